import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SentinelRedis } from '../support/sentinel-redis.ts';
import { imageOf } from './catalog.ts';
import { ChaosCluster } from './cluster.ts';
import { command, deployEnded } from './deliveries.ts';
import { deployJobOf, patched } from './faults.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

// ops-bot on highly available Redis (decision 0027): a primary, a replica and three sentinels, the
// processes given only REDIS_URL=redis+sentinel://…/opsbot. The primary is SIGKILLed mid-rollout;
// Sentinel promotes the replica and every connection follows it. The deploy ends once, as it would have.
let cluster: ChaosCluster;
let redis: SentinelRedis;
const traffic = new Traffic();
const SUBJECT = 'cart 7.0.0 to staging';

beforeAll(async () => {
  redis = await SentinelRedis.start();
  cluster = await ChaosCluster.start({ redis });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('the Redis primary lost mid-rollout, the replica promoted by Sentinel', () => {
  it('the deploy ends with one final message, one PATCH, one start and one result', async () => {
    const primaryBefore = redis.primaryPort;
    // Pods take 1.5 s each to become ready: the rollout is still running when the primary dies.
    cluster.kube.staging.controller.setTiming({ podReadyMs: 1_500 });
    const answer = await command(cluster, traffic, 0, 'bob', `/deploy ${SUBJECT}`);
    expect(answer?.status).toBe(200);
    await patched(cluster.kube.staging, 'cart', '7.0.0');
    const jobId = await deployJobOf(cluster, 'cart', 'staging');

    await redis.killPrimary();
    expect(finalMessages()).toHaveLength(0);
    await redis.promoted();
    expect(redis.primaryPort).not.toBe(primaryBefore);

    await deployEnded(cluster, SUBJECT);
    cluster.kube.staging.controller.setTiming({ podReadyMs: 60 });
    const checked = await assertInvariants(cluster, traffic, 60_000);
    expect(checked.get(`cart/staging@${imageOf('cart', '7.0.0')}`)).toBe('succeeded');
    expect(finalMessages()).toHaveLength(1);
    const patches = cluster.kube.staging.requests.filter(
      (request) =>
        request.method === 'PATCH' &&
        request.query.dryRun !== 'All' &&
        request.status === 200 &&
        request.path.endsWith('/deployments/cart'),
    );
    expect(patches).toHaveLength(1);
    const events = (await cluster.auditRows('job_id = $1', [jobId])).map((row) => String(row.event));
    expect(events.filter((event) => event === 'start')).toHaveLength(1);
    expect(events.filter((event) => event === 'result')).toHaveLength(1);
    // Every process stayed up through the failover: none had to be restarted to find the new primary.
    expect(cluster.processes.every((process) => process.child.exitCode === null)).toBe(true);
  });
});

// The deploy's progress message once its headline carries an outcome: there must be exactly one.
function finalMessages() {
  return cluster.sim.workspace.messages.filter(
    (message) => !message.threadTs && /^cart 7\.0\.0 to staging: (succeeded|failed|cancelled)/.test(message.text),
  );
}
