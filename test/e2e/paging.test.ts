import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { hashOf } from '../../src/core/ids.ts';
import { auditRows } from '../support/approvals.ts';
import { pagingCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Paging the on-call (issue 18, decision 0032): the bot, its worker, Redis, PostgreSQL, the Slack
// simulator and the PagerDuty Events API v2 simulator, end to end.
let stack: Stack;
const P0_KEY = 'p0routingkey00000000000000000000';
const P1_KEY = 'p1routingkey00000000000000000000';

// The worker's environment for env:NAME routing keys (read at each send, as process.env would be).
const pagingKeys: Record<string, string> = { OPSBOT_TEST_PD_P0: P0_KEY, OPSBOT_TEST_PD_P1: P1_KEY };

beforeAll(async () => {
  stack = await startStack({ catalogYaml: pagingCatalog(), pagingKeys });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => stack.paging.reset());

type Row = { id: string; setup: string; channel_id: string | null; card_ts: string | null };

async function declare(who: string, text: string): Promise<Row> {
  const answer = await stack.slack.command(who, `/incident declare ${text}`, { channel: 'general' });
  expect(answer.status).toBe(200);
  const id = hashOf(`command:${answer.triggerId}`).slice(0, 16);
  return eventually(
    async () => {
      const row = (await stack.bot.pool.query<Row>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
      if (row?.setup !== 'done' || !row.card_ts) throw new Error(`set-up is ${row?.setup ?? 'not started'}`);
      return row;
    },
    { timeoutMs: 15_000, what: `the declaration of ${text}` },
  );
}

function cardOf(row: Row): string {
  return JSON.stringify(stack.sim.workspace.message(row.channel_id!, row.card_ts!)!.blocks);
}

async function timelineOf(id: string): Promise<string[]> {
  const { rows } = await stack.bot.pool.query<{ text: string }>(
    "SELECT text FROM incident_timeline WHERE incident_id = $1 AND kind = 'paging' ORDER BY at, id",
    [id],
  );
  return rows.map((row) => row.text);
}

describe('paging the on-call', () => {
  it('P1 declared: one trigger with the incident as dedup key; ack in Slack acknowledges; resolve resolves', async () => {
    const row = await declare('carol', 'P1 "Checkout is down" --service checkout');
    await eventually(() => expect(stack.paging.accepted('trigger', row.id)).toHaveLength(1));
    const [trigger] = stack.paging.accepted('trigger', row.id);
    expect(trigger).toMatchObject({ routingKey: P1_KEY, payload: { severity: 'error' } });
    expect(trigger!.payload!.summary).toContain('Checkout is down');
    expect(stack.paging.incident(row.id)?.state).toBe('triggered');
    await eventually(() => expect(cardOf(row)).toContain('paged on-call (P1) at'));

    await stack.slack.click('carol', { messageTs: row.card_ts!, actionId: 'incident_ack' });
    await eventually(() => expect(stack.paging.incident(row.id)?.state).toBe('acknowledged'));
    expect(stack.paging.accepted('acknowledge', row.id)).toEqual([
      expect.objectContaining({ routingKey: P1_KEY, dedupKey: row.id }),
    ]);
    await eventually(() => expect(cardOf(row)).toContain('acknowledged the page (P1)'));

    await stack.slack.command('carol', '/incident resolve fixed the pool size', { channel: row.channel_id! });
    await eventually(() => expect(stack.paging.incident(row.id)?.state).toBe('resolved'));
    expect(stack.paging.incident(row.id)?.actions).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(stack.paging.accepted('trigger', row.id)).toHaveLength(1);
    await eventually(() => expect(cardOf(row)).toContain('resolved the page (P1)'));
    expect(await timelineOf(row.id)).toEqual([
      'Paged the on-call through PagerDuty (P1)',
      'Acknowledged the PagerDuty page (P1)',
      'Resolved the PagerDuty page (P1)',
    ]);
    const audit = await auditRows(stack, "event = 'incident.page' AND target = $1", [`incident/${row.id}`]);
    expect(audit.map((entry) => [entry.action, entry.decision])).toEqual([
      ['incident.page.trigger', 'sent'],
      ['incident.page.acknowledge', 'sent'],
      ['incident.page.resolve', 'sent'],
    ]);
  });

  it('a 429 is retried with backoff, shown as retrying, and then one trigger is accepted', async () => {
    stack.paging.fail(429);
    const row = await declare('carol', 'P0 "Payments rejected"');
    await eventually(() => expect(stack.paging.accepted('trigger', row.id)).toHaveLength(1), { timeoutMs: 15_000 });
    expect(stack.paging.calls.map((call) => call.status)).toEqual([429, 202]);
    expect(stack.paging.accepted('trigger', row.id)[0]).toMatchObject({
      routingKey: P0_KEY,
      payload: { severity: 'critical' },
    });
    await eventually(async () =>
      expect(await timelineOf(row.id)).toEqual([
        expect.stringMatching(/^⚠ paging retrying: PagerDuty rate limited: Too Many Requests \(attempt 1\)$/),
        'Paged the on-call through PagerDuty (P0)',
      ]),
    );
    await eventually(() => expect(cardOf(row)).toContain('paged on-call (P0) at'));
    const audit = await auditRows(stack, "event = 'incident.page' AND target = $1", [`incident/${row.id}`]);
    expect(audit.map((entry) => entry.decision)).toEqual(['retrying', 'sent']);
  });

  it('an acknowledgement while the trigger is being retried waits for it, so PagerDuty does not drop it', async () => {
    stack.paging.fail(429, { times: 2 });
    const row = await declare('carol', 'P1 "Carts are emptied"');
    await stack.slack.click('carol', { messageTs: row.card_ts!, actionId: 'incident_ack' });
    await eventually(() => expect(stack.paging.incident(row.id)?.state).toBe('acknowledged'), { timeoutMs: 20_000 });
    expect(stack.paging.incident(row.id)?.actions).toEqual(['trigger', 'acknowledge']);
    expect(stack.paging.calls.map((call) => call.status)).toEqual([429, 429, 202, 202]);
  });

  it('a 400 is not retried and is shown on the card at once', async () => {
    stack.paging.fail(400, { message: 'Event object is invalid', errors: ["'payload.summary' is missing or blank."] });
    const row = await declare('carol', 'P1 "Search is slow"');
    await eventually(() =>
      expect(cardOf(row)).toContain("⚠ paging failed: PagerDuty HTTP 400: Event object is invalid; 'payload.summary'"),
    );
    expect(stack.paging.calls.map((call) => call.status)).toEqual([400]);
    const job = await stack.bot.queues.queue('incident-page').getJob(`incident-page-${row.id}declare`);
    await eventually(async () => expect(await job!.getState()).toBe('failed'));
    expect((await stack.bot.queues.queue('incident-page').getJob(job!.id!))!.attemptsMade).toBe(1);
    expect(await timelineOf(row.id)).toEqual([expect.stringContaining('⚠ paging failed: PagerDuty HTTP 400')]);
  });

  it('P2 pages nobody; raising it to P1 triggers', async () => {
    const row = await declare('carol', 'P2 "Reports are late"');
    // The page is enqueued before the set-up's first step: with the set-up done, none means none.
    expect(await stack.bot.queues.queue('incident-page').getJob(`incident-page-${row.id}declare`)).toBeUndefined();
    expect(stack.paging.calls).toHaveLength(0);
    expect(cardOf(row)).not.toContain('paged');

    await stack.slack.command('carol', '/incident sev P1', { channel: row.channel_id! });
    await eventually(() => expect(stack.paging.accepted('trigger', row.id)).toHaveLength(1));
    expect(stack.paging.accepted('trigger', row.id)[0]).toMatchObject({ routingKey: P1_KEY, dedupKey: row.id });
    await eventually(() => expect(cardOf(row)).toContain('paged on-call (P1) at'));
  });

  it('a routing key whose variable is not set fails at once, on the card, without a call', async () => {
    delete pagingKeys.OPSBOT_TEST_PD_P0;
    try {
      const row = await declare('carol', 'P0 "Everything is down"');
      await eventually(() =>
        expect(cardOf(row)).toContain(
          '⚠ paging failed: the routing key for P0 comes from OPSBOT_TEST_PD_P0, which is not set',
        ),
      );
      expect(stack.paging.calls).toHaveLength(0);
      const audit = await auditRows(stack, "event = 'incident.page' AND target = $1", [`incident/${row.id}`]);
      expect(audit.map((entry) => [entry.action, entry.decision])).toEqual([['incident.page.trigger', 'failed']]);
    } finally {
      pagingKeys.OPSBOT_TEST_PD_P0 = P0_KEY;
    }
  });
});
