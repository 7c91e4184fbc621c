import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { ChaosCluster } from './cluster.ts';
import { imageOf } from './catalog.ts';
import { command, deployEnded } from './deliveries.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

// PostgreSQL refused (the proxy cut) and hanging (the proxy black-holed) while both clusters answer
// slower than pre-flight's whole budget: every command that would change something gets the audit-log
// refusal within Slack's 3 s, and nothing is queued or patched.
const REFUSAL = 'cannot write its audit log right now, so it will not start anything. Nothing was changed.';
const SLOW_CLUSTER_MS = 2_000;

let cluster: ChaosCluster;
const traffic = new Traffic();

beforeAll(async () => {
  cluster = await ChaosCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

function realPatches(): number {
  return [cluster.kube.staging, cluster.kube.prod]
    .flatMap((kube) => kube.requests)
    .filter((request) => request.method === 'PATCH' && request.query.dryRun !== 'All').length;
}

const COMMANDS = (version: string) => [
  `/deploy checkout ${version} to production --reason "chaos"`,
  `/deploy cart ${version} to staging`,
  `/deploy search ${version} to staging --dry-run`,
  '/rollback payments staging',
];

describe('PostgreSQL unavailable while the cluster is slow', () => {
  it.each([
    ['refused (proxy cut)', '7.0.0', () => cluster.proxy.cut()],
    ['black-holed (accepts, never answers)', '7.0.1', () => cluster.proxy.blackhole()],
  ])('%s: every command is refused in time, nothing enqueued, nothing patched', async (_, version, fault) => {
    const jobsBefore = await cluster.totalJobs();
    const patchesBefore = realPatches();
    cluster.kube.staging.slowDown(SLOW_CLUSTER_MS);
    cluster.kube.prod.slowDown(SLOW_CLUSTER_MS);
    await fault();
    const lines = COMMANDS(version);
    // Each target once per replica, one replica after the other: at the same time, the second would be
    // told (rightly) that the first is being planned.
    const sent = [0, 1].flatMap((replica) => lines.map((line) => ({ replica, line })));
    const answers = [];
    for (const replica of [0, 1])
      answers.push(...(await Promise.all(lines.map((line) => command(cluster, traffic, replica, 'bob', line)))));
    const notRefused = answers.flatMap((answer, index) =>
      answer?.status === 200 && String(answer.json?.text).includes(REFUSAL)
        ? []
        : [
            `${sent[index]!.line} (bot ${sent[index]!.replica}): ${answer ? `${answer.status} ${answer.body}` : 'unanswered'}`,
          ],
    );
    expect(notRefused).toEqual([]);

    cluster.kube.staging.slowDown(0);
    cluster.kube.prod.slowDown(0);
    await cluster.proxy.cut();
    await cluster.proxy.start();
    // Once PostgreSQL answers again: no accepted row surfaced late, nothing was queued late.
    await eventually(async () => expect(await cluster.auditRows('TRUE')).toBeDefined());
    const accepted = await cluster.auditRows("command LIKE $1 AND decision = 'accepted'", [`%${version}%`]);
    expect(accepted).toEqual([]);
    expect(await cluster.totalJobs()).toBe(jobsBefore);
    expect(realPatches()).toBe(patchesBefore);
    await assertInvariants(cluster, traffic);
  });
});

describe('PostgreSQL back', () => {
  it('a deploy runs normally on the same processes', async () => {
    const answer = await command(cluster, traffic, 1, 'bob', '/deploy cart 7.1.0 to staging');
    expect(answer?.status).toBe(200);
    await deployEnded(cluster, 'cart 7.1.0 to staging');
    const checked = await assertInvariants(cluster, traffic);
    expect(checked.get(`cart/staging@${imageOf('cart', '7.1.0')}`)).toBe('succeeded');
  });
});
