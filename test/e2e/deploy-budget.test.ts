import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// A rollout of 5 simulated minutes: the stack's clusters run one simulated second in 5 ms, so the
// progress interval is 1 simulated second too (5 ms), and 10 pods become ready one by one over it.
const SECOND_MS = 5;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: testCatalog(), progressIntervalMs: SECOND_MS });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 10,
  });
});

afterAll(async () => stack.close());

describe('a 5-minute rollout', () => {
  it('makes at most 15 Web API calls in all', async () => {
    await eventually(() =>
      expect(
        (stack.kube.staging.deployment('shop', 'checkout')!.status as { availableReplicas?: number }).availableReplicas,
      ).toBe(10),
    );
    // 4 waves (maxSurge 25%) of pods ready after 60-90 simulated seconds each: about 5 minutes.
    stack.kube.staging.controller.setTiming({ podReadyMs: 60 * SECOND_MS, podReadyJitter: 0.5 });
    const before = stack.sim.lastSeq;
    const started = Date.now();
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    await eventually(
      () =>
        expect(
          stack.sim.workspace
            .channelMessages('C0DEPLOYS01')
            .some((message) => message.text.startsWith('checkout 1.1.0 to staging: succeeded')),
        ).toBe(true),
      { timeoutMs: 20_000 },
    );
    const simulatedSeconds = (Date.now() - started) / SECOND_MS;
    const calls = stack.sim.callsSince(before).filter((call) => call.method !== 'response_url');
    expect(simulatedSeconds).toBeGreaterThan(240);
    expect(calls.length).toBeLessThanOrEqual(15);
    expect(calls.map((call) => call.method)).toContain('chat.update');
  });
});
