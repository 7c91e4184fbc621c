import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { PagerDutyEvents, PagingError } from '../../src/adapters/pagerduty.ts';
import { PagingSimulator } from '../../src/sandbox/paging/simulator.ts';

// The Events API client against the paging simulator, over real HTTP on loopback.
const KEY = 'r'.repeat(32);
const sim = new PagingSimulator();
let client: PagerDutyEvents;

beforeAll(async () => {
  await sim.start();
  client = new PagerDutyEvents(sim.url, { PD_KEY: KEY });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => sim.reset());

const trigger = (dedupKey: string) => ({
  routingKey: KEY,
  action: 'trigger' as const,
  dedupKey,
  payload: { summary: 'P1: checkout down', source: 'ops-bot', severity: 'error' as const },
});

async function failureOf(promise: Promise<unknown>): Promise<PagingError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof PagingError)) throw new Error(`expected a PagingError, got ${String(error)}`);
  return error;
}

describe('PagerDuty Events API v2 client', () => {
  it('resolves env references to keys and names a missing variable', () => {
    expect(client.routingKey('env:PD_KEY')).toEqual({ key: KEY });
    expect(client.routingKey('env:PD_OTHER')).toEqual({ missing: 'PD_OTHER' });
  });

  it('sends trigger, acknowledge and resolve for one dedup key, which the simulator follows', async () => {
    expect(await client.send(trigger('inc1'))).toEqual({ dedupKey: 'inc1', message: 'Event processed' });
    expect(sim.incident('inc1')).toMatchObject({ state: 'triggered', summary: 'P1: checkout down', severity: 'error' });
    await client.send({ routingKey: KEY, action: 'acknowledge', dedupKey: 'inc1' });
    expect(sim.incident('inc1')?.state).toBe('acknowledged');
    await client.send({ routingKey: KEY, action: 'resolve', dedupKey: 'inc1' });
    expect(sim.incident('inc1')?.state).toBe('resolved');
    // After a resolve, acknowledge is dropped and a trigger opens a new alert (as PagerDuty does).
    await client.send({ routingKey: KEY, action: 'acknowledge', dedupKey: 'inc1' });
    expect(sim.incident('inc1')?.state).toBe('resolved');
    await client.send(trigger('inc1'));
    expect(sim.incident('inc1')).toMatchObject({ state: 'triggered', actions: ['trigger'] });
  });

  it('a 400 is final and carries the errors; 429 and 5xx are retryable', async () => {
    const invalid = await failureOf(client.send({ ...trigger('inc2'), routingKey: 'short' }));
    expect(invalid).toMatchObject({ retryable: false, status: 400 });
    expect(invalid.message).toBe(
      "PagerDuty HTTP 400: Event object is invalid; Length of 'routing_key' is incorrect (should be 32 characters).",
    );
    sim.fail(429);
    expect(await failureOf(client.send(trigger('inc2')))).toMatchObject({
      retryable: true,
      status: 429,
      message: 'PagerDuty rate limited: Too Many Requests',
    });
    sim.fail(503);
    expect(await failureOf(client.send(trigger('inc2')))).toMatchObject({ retryable: true, status: 503 });
    await client.send(trigger('inc2'));
    expect(sim.calls.map((call) => call.status)).toEqual([400, 429, 503, 202]);
  });

  it('an unreachable endpoint is a retryable failure', async () => {
    const stopped = new PagingSimulator();
    await stopped.start();
    const url = stopped.url;
    await stopped.stop();
    const failure = await failureOf(new PagerDutyEvents(url, {}).send(trigger('inc3')));
    expect(failure.retryable).toBe(true);
    expect(failure.message).toMatch(/^could not reach PagerDuty/);
  });
});
