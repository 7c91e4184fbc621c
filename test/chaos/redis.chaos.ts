import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { imageOf } from './catalog.ts';
import { ChaosCluster, JOB_LOCK_MS } from './cluster.ts';
import { command, deployEnded } from './deliveries.ts';
import { patched, restartRedisAt, type EndStep } from './faults.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

// Redis (AOF, fsync always) restarted under running deploys: briefly, for longer than the job lock, and
// at the moment the deploys end. Whatever it does, each job has one outcome, told the same everywhere.
let cluster: ChaosCluster;
const traffic = new Traffic();
const SHORT_MS = 1_000;
const LONG_MS = Math.round(JOB_LOCK_MS * 2.7);

beforeAll(async () => {
  cluster = await ChaosCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

async function deploy(service: string, version: string, replica = 0): Promise<void> {
  const answer = await command(cluster, traffic, replica, 'bob', `/deploy ${service} ${version} to staging`);
  expect(answer?.status).toBe(200);
  // A lease left behind by a job that ended while Redis was down would refuse the next change here.
  expect(answer?.body ?? '').not.toContain('is being changed');
}

describe('Redis restarted in the middle of a deploy', () => {
  it.each([
    ['briefly (~1 s)', 'cart', '6.0.0', SHORT_MS],
    [`for longer than JOB_LOCK_MS (${LONG_MS} ms)`, 'search', '6.0.1', LONG_MS],
  ])('%s: the deploy ends once, as it would have', async (_, service, version, downMs) => {
    cluster.kube.staging.controller.setTiming({ podReadyMs: 700 });
    await deploy(service, version);
    await patched(cluster.kube.staging, service, version);
    await cluster.redis.restart(downMs);
    cluster.kube.staging.controller.setTiming({ podReadyMs: 60 });
    await deployEnded(cluster, `${service} ${version} to staging`);
    const checked = await assertInvariants(cluster, traffic, 60_000);
    expect(checked.get(`${service}/staging@${imageOf(service, version)}`)).toBe('succeeded');
  });
});

describe('Redis restarting right as deploys finish', () => {
  it.each<[string, EndStep, string, string, number]>([
    ['briefly (~1 s)', 'final message', 'payments', '6.1.0', SHORT_MS],
    [`for longer than JOB_LOCK_MS (${LONG_MS} ms)`, 'final message', 'inventory', '6.1.1', LONG_MS],
    ['for longer than JOB_LOCK_MS, with a second deploy running', 'final message', 'checkout', '6.1.2', LONG_MS],
    [`for longer than JOB_LOCK_MS (${LONG_MS} ms)`, 'requester reply', 'search', '6.1.4', LONG_MS],
  ])(
    '%s, at the %s: one outcome, the same in the channel, the requester’s reply and the audit log',
    async (what, step, service, version, downMs) => {
      const alongside = what.includes('second deploy');
      const restarted = restartRedisAt(cluster, step, `${service} ${version} to staging`, downMs);
      await deploy(service, version, 1);
      if (alongside) {
        cluster.kube.staging.controller.setTiming({ podReadyMs: 400 });
        await deploy('cart', '6.1.3', 0);
      }
      await restarted;
      cluster.kube.staging.controller.setTiming({ podReadyMs: 60 });
      await deployEnded(cluster, `${service} ${version} to staging`);
      if (alongside) await deployEnded(cluster, 'cart 6.1.3 to staging');
      const checked = await assertInvariants(cluster, traffic, 60_000);
      expect(checked.get(`${service}/staging@${imageOf(service, version)}`)).toBe('succeeded');
    },
  );
});
