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
  it('makes few Web API calls: the directory once, the message, at most one update per pod', async () => {
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
    const took = Date.now() - started;
    const calls = stack.sim.callsSince(before).filter((call) => call.method !== 'response_url');
    expect(took / SECOND_MS).toBeGreaterThan(240);
    // Who may deploy is read from the directory once (auth.test, the groups and their members); the rollout
    // itself posts its message, links it, updates it and answers in its thread. Updates go out at most one
    // per interval and only when the message changed: how many of the 10 pods' readiness changes fall into
    // one interval depends on how busy the machine is, so the bound is one per pod, not an exact count
    // (about 5 on an idle machine; bench/deploy.ts measures it).
    const directory = calls.filter((call) => call.method === 'auth.test' || call.method.startsWith('usergroups.'));
    const updates = calls.filter((call) => call.method === 'chat.update');
    expect(directory.length).toBeLessThanOrEqual(6);
    expect(calls.length - directory.length - updates.length).toBeLessThanOrEqual(4);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThanOrEqual(10);
  });
});
