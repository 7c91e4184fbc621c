import { afterEach, describe, expect, it } from '@jest/globals';
import { SentinelRedis } from '../support/sentinel-redis.ts';
import { imageOf } from './catalog.ts';
import { ChaosCluster, JOB_LOCK_MS } from './cluster.ts';
import { command, deployEnded } from './deliveries.ts';
import { deployJobOf, patched } from './faults.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

// ops-bot on highly available Redis (decision 0027): a primary, a replica and three sentinels, the
// processes given only REDIS_URL=redis+sentinel://…/opsbot. The primary is SIGKILLed mid-rollout;
// Sentinel promotes the replica and every connection follows it. The deploy ends once, as it would have.
let cluster: ChaosCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function deployThroughFailover(jobLockMs: number, version: string) {
  const redis = await SentinelRedis.start();
  cluster = await ChaosCluster.start({ redis, env: { JOB_LOCK_MS: String(jobLockMs) } });
  const traffic = new Traffic();
  const subject = `cart ${version} to staging`;
  // Pods take 1.5 s each to become ready: the rollout is still running when the primary dies.
  cluster.kube.staging.controller.setTiming({ podReadyMs: 1_500 });
  const answer = await command(cluster, traffic, 0, 'bob', `/deploy ${subject}`);
  expect(answer?.status).toBe(200);
  await patched(cluster.kube.staging, 'cart', version);
  const jobId = await deployJobOf(cluster, 'cart', 'staging');

  const primaryBefore = redis.primaryPort;
  await redis.killPrimary();
  expect(finalMessages(cluster, subject)).toHaveLength(0);
  await redis.promoted();
  expect(redis.primaryPort).not.toBe(primaryBefore);

  await deployEnded(cluster, subject);
  cluster.kube.staging.controller.setTiming({ podReadyMs: 60 });
  const checked = await assertInvariants(cluster, traffic, 60_000);
  expect(checked.get(`cart/staging@${imageOf('cart', version)}`)).toBe('succeeded');
  expect(finalMessages(cluster, subject)).toHaveLength(1);
  const patches = cluster.kube.staging.requests.filter(
    (request) =>
      request.method === 'PATCH' &&
      request.query.dryRun !== 'All' &&
      request.status === 200 &&
      request.path.endsWith('/deployments/cart'),
  );
  expect(patches).toHaveLength(1);
  // Every process stayed up through the failover: none had to be restarted to find the new primary.
  expect(cluster.processes.every((process) => process.child.exitCode === null)).toBe(true);
  return (await cluster.auditRows('job_id = $1', [jobId])).map((row) => String(row.event));
}

describe('the Redis primary lost mid-rollout, the replica promoted by Sentinel', () => {
  it('with a job lock longer than the failover: the worker running the deploy carries on alone', async () => {
    const events = await deployThroughFailover(20_000, '7.0.0');
    expect(events).toEqual(['start', 'result']);
  });

  it(`with a job lock (${JOB_LOCK_MS} ms) shorter than the failover: the job may change hands and ends once`, async () => {
    const events = await deployThroughFailover(JOB_LOCK_MS, '7.0.1');
    // Usually a second worker resumes the job while the first never stopped (a `resume` row; without the
    // result arbiter of decision 0027 both wrote a result); when the first renews its lock in time, it
    // does not. Either way: one start, one result.
    expect(events.filter((event) => event === 'start')).toHaveLength(1);
    expect(events.filter((event) => event === 'result')).toHaveLength(1);
  });
});

// The deploy's progress message once its headline carries an outcome: there must be exactly one.
function finalMessages(chaos: ChaosCluster, subject: string) {
  return chaos.sim.workspace.messages.filter(
    (message) =>
      !message.threadTs &&
      /^[^:]+: (succeeded|failed|cancelled)/.test(message.text) &&
      message.text.startsWith(`${subject}: `),
  );
}
