import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { imageOf } from './catalog.ts';
import { ChaosCluster } from './cluster.ts';
import { command, deployEnded, slashCommandBody, unverifiedCount } from './deliveries.ts';
import { fuzzedCommands, jobIdsOf, sendFuzzed } from './fuzz.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

// What reaches the bot replicas from Slack: the same delivery more than once, badly signed or dated
// deliveries, and thousands of command texts nobody would type.
let cluster: ChaosCluster;
const traffic = new Traffic();

beforeAll(async () => {
  cluster = await ChaosCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('double delivery across replicas', () => {
  it('the same signed request, retried (X-Slack-Retry-Num) and sent to both replicas, interleaved, is one job and one effect', async () => {
    const services = ['cart', 'search', 'payments'];
    const deploys = services.map((service) => ({
      service,
      ...slashCommandBody(cluster, 'bob', `/deploy ${service} 2.0.1 to staging`),
    }));
    const whoamis = Array.from({ length: 4 }, () => slashCommandBody(cluster, 'dave', '/ops whoami'));
    const whoamiJobsBefore = (await cluster.jobIds('whoami')).length;
    // Every delivery four times: each replica once, then each replica as Slack's first and second retry.
    const sends = [...deploys, ...whoamis].flatMap(({ body }, index) =>
      [undefined, undefined, 1, 2].map((retryNum, copy) => ({ body, replica: (index + copy) % 2, retryNum })),
    );
    const answers = await Promise.all(
      sends.map(({ body, replica, retryNum }) =>
        traffic.deliver(`delivery ${replica}/${retryNum ?? 0}`, (signal) =>
          cluster.driver(replica).send('form', body, { signal, ...(retryNum ? { retryNum } : {}) }),
        ),
      ),
    );
    expect(answers.map((answer) => answer?.status)).toEqual(sends.map(() => 200));

    for (const { service } of deploys) await deployEnded(cluster, `${service} 2.0.1 to staging`);
    await eventually(async () => expect(await cluster.jobIds('whoami')).toHaveLength(whoamiJobsBefore + 4));
    for (const { service } of deploys) {
      const starts = await cluster.auditRows("action = 'deploy.start' AND target = $1", [`${service}/staging`]);
      expect(starts).toHaveLength(1);
      expect(
        cluster.kube.staging.requests.filter(
          (request) =>
            request.method === 'PATCH' &&
            request.query.dryRun !== 'All' &&
            JSON.stringify(request.body).includes(imageOf(service, '2.0.1')),
        ),
      ).toHaveLength(1);
    }
    const checked = await assertInvariants(cluster, traffic);
    for (const { service } of deploys)
      expect(checked.get(`${service}/staging@${imageOf(service, '2.0.1')}`)).toBe('succeeded');
    expect(await cluster.jobIds('whoami')).toHaveLength(whoamiJobsBefore + 4);
  });
});

describe('forged, stale and future-dated signatures', () => {
  it('are refused with 401 by both replicas, counted, and nothing runs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jobsBefore = await cluster.totalJobs();
    const before = await Promise.all([0, 1].map((replica) => unverifiedCount(cluster, replica)));
    const bad = [
      { what: 'forged', options: { signature: `v0=${'ab'.repeat(32)}` } },
      { what: 'stale', options: { timestamp: now - 10 * 60 } },
      { what: 'future-dated', options: { timestamp: now + 10 * 60 } },
    ];
    const answered = [];
    for (const replica of [0, 1])
      for (const { what, options } of bad)
        for (const line of ['/deploy checkout 3.0.0 to staging', '/ops whoami', '/rollback checkout staging']) {
          const answer = await command(cluster, traffic, replica, 'erin', line, options);
          answered.push({ what, line, replica, status: answer?.status });
        }
    expect(answered.filter((answer) => answer.status !== 401)).toEqual([]);
    // An accepted request after them shows how long an accepted one takes to leave traces.
    const accepted = await command(cluster, traffic, 1, 'alice', '/ops whoami');
    expect(accepted?.status).toBe(200);
    await eventually(async () =>
      expect(await cluster.auditRows("actor = 'U0ALICE001' AND command = '/ops whoami'")).not.toHaveLength(0),
    );
    const after = await Promise.all([0, 1].map((replica) => unverifiedCount(cluster, replica)));
    expect(after).toEqual(before.map((count) => count + 9));
    expect(await cluster.auditRows("actor = 'U0ERIN0005'")).toEqual([]);
    expect(await cluster.totalJobs()).toBe(jobsBefore + 1);
    expect(cluster.sim.calls.some((call) => call.args.user === 'U0ERIN0005')).toBe(false);
    await assertInvariants(cluster, traffic);
  });
});

describe('fuzzed command texts', () => {
  it('5,000 seeded texts through both replicas: every one answered 200 in time, nothing enqueued the grammar refuses', async () => {
    const jobsBefore = new Set(await allJobIds(cluster));
    const sent = await sendFuzzed(cluster, traffic, fuzzedCommands(5_000));
    expect(sent).toHaveLength(5_000);
    expect(sent.filter((answer) => answer.status !== 200).slice(0, 10)).toEqual([]);
    await assertInvariants(cluster, traffic);

    // Each new job belongs to one fuzzed delivery (its id derives from the trigger_id); the guest may run
    // /ops whoami and nothing else, and a text the grammar refuses starts nothing at all.
    const senderOf = new Map(sent.flatMap((answer) => jobIdsOf(answer.triggerId).map((id) => [id, answer] as const)));
    const created = (await allJobIds(cluster)).filter((id) => !jobsBefore.has(id));
    const wrong = created.flatMap((id) => {
      const answer = senderOf.get(id);
      if (!answer) return [`${id}: no fuzzed delivery enqueued it`];
      if (!answer.parses) return [`${id}: enqueued for a text the grammar refuses: ${answer.command} ${answer.text}`];
      if (!answer.whoami) return [`${id}: enqueued for the guest: ${answer.command} ${answer.text}`];
      return [];
    });
    expect(wrong).toEqual([]);
    expect(created.length).toBe(sent.filter((answer) => answer.whoami).length);
  });
});

async function allJobIds(chaos: ChaosCluster): Promise<string[]> {
  const kinds = ['whoami', 'plan', 'deploy', 'rollback', 'backup', 'verify', 'restore', 'incident-declare'] as const;
  return (await Promise.all(kinds.map((kind) => chaos.jobIds(kind)))).flat();
}
