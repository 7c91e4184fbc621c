import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { imageOf } from './catalog.ts';
import { ChaosCluster } from './cluster.ts';
import { command, deployEnded } from './deliveries.ts';
import { deployJobOf, patched, workerRunning } from './faults.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

let cluster: ChaosCluster;
const traffic = new Traffic();

beforeAll(async () => {
  cluster = await ChaosCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('a worker SIGKILLed mid-rollout', () => {
  it('the other worker resumes: one PATCH, one final message, one result row', async () => {
    // Pods take 1.5 s each to become ready: the rollout is still running when its worker dies.
    cluster.kube.staging.controller.setTiming({ podReadyMs: 1_500 });
    const answer = await command(cluster, traffic, 0, 'bob', '/deploy checkout 5.0.0 to staging');
    expect(answer?.status).toBe(200);
    await patched(cluster.kube.staging, 'checkout', '5.0.0');
    const jobId = await deployJobOf(cluster, 'checkout', 'staging');
    const doomed = await workerRunning(cluster, jobId);
    await doomed.kill('SIGKILL');
    await cluster.replaceWorker(doomed);

    await deployEnded(cluster, 'checkout 5.0.0 to staging');
    cluster.kube.staging.controller.setTiming({ podReadyMs: 60 });
    const checked = await assertInvariants(cluster, traffic);
    expect(checked.get(`checkout/staging@${imageOf('checkout', '5.0.0')}`)).toBe('succeeded');
    const events = (await cluster.auditRows('job_id = $1', [jobId])).map((row) => [row.event, row.decision]);
    expect(events).toEqual([
      ['start', 'started'],
      ['resume', 'resumed'],
      ['result', 'succeeded'],
    ]);
  });
});
