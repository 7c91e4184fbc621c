import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, currentImage, releaseRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// The release ledger end to end: real Bolt, BullMQ on Redis, PostgreSQL and the Kubernetes simulator.
// `/rollback` without `--to` goes to the last good release, never to one rolled back away from.
const ORDERS = 'registry.example.com/shop/orders';
const CART = 'registry.example.com/shop/cart';
const CATALOG = `environments:
  staging:
    context: staging
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${IMAGE}
    environments: [staging]
    timeout: 1m
  orders:
    namespace: shop
    deployment: orders
    container: app
    image: ${ORDERS}
    environments: [staging]
    timeout: 1m
  cart:
    namespace: shop
    deployment: cart
    container: app
    image: ${CART}
    environments: [staging]
    timeout: 1m
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  const seed = (name: string, image: string, revisionHistoryLimit?: number) =>
    stack.kube.staging.addDeployment({
      namespace: 'shop',
      name,
      container: 'app',
      image,
      replicas: 2,
      progressDeadlineSeconds: 300,
      ...(revisionHistoryLimit !== undefined ? { revisionHistoryLimit } : {}),
    });
  seed('checkout', `${IMAGE}:1.3.9`);
  seed('orders', `${ORDERS}:1.4.1`);
  seed('cart', `${CART}:2.0.0`, 0);
});

afterAll(async () => stack.close());

function image(name: string): string {
  const deployment = stack.kube.staging.deployment('shop', name)!;
  return (deployment.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!
    .image;
}

async function settled(startsWith: string) {
  const before = stack.sim.workspace.channelMessages('C0DEPLOYS01').length;
  return async () => {
    const found = await eventually(
      () => {
        const candidate = stack.sim.workspace
          .channelMessages('C0DEPLOYS01')
          .slice(before)
          .find((message) => message.text.startsWith(startsWith));
        if (!candidate) throw new Error(`no "${startsWith}" yet`);
        return candidate;
      },
      { timeoutMs: 30_000, what: startsWith },
    );
    await eventually(async () =>
      expect(
        (await stack.bot.queues.queue('deploy').getActiveCount()) +
          (await stack.bot.queues.queue('rollback').getActiveCount()),
      ).toBe(0),
    );
    return found;
  };
}

async function deploy(service: string, version: string, outcome = 'succeeded') {
  const done = await settled(`${service} ${version} to staging: ${outcome}`);
  await stack.slack.command('bob', `/deploy ${service} ${version} to staging --reason "release ${version}"`);
  return done();
}

async function rollback(who: string, line: string, version: string) {
  const done = await settled(`${line.split(' ')[1]} rollback to ${version} in staging: rolled back`);
  const answer = await stack.slack.command(who, line);
  await done();
  return String(answer.json?.text);
}

const ledger = async (service: string) =>
  (await releaseRows(stack, 'service = $1', [service])).map((row) => [row.kind, row.version, row.outcome]);

describe('/rollback without --to', () => {
  it('goes to the last good release, and again to the one before it: never back to the one rolled back', async () => {
    await deploy('checkout', '1.4.0');
    await deploy('checkout', '1.4.1');
    await deploy('checkout', '1.4.2');
    const first = await rollback('carol', '/rollback checkout staging --reason "5xx after 1.4.2"', '1.4.1');
    expect(first).toMatch(
      /checkout staging: 1\.4\.2 \(rev 4, by <@U0BOB00002> \d\d:\d\d, live\) → 1\.4\.1 \(rev 3, last good, ran \d+ seconds?\)/,
    );
    expect(image('checkout')).toBe(`${IMAGE}:1.4.1`);
    // kubectl's rule would toggle back to 1.4.2 (the previous revision now); the ledger knows better.
    const second = await rollback('dave', '/rollback checkout staging --reason "still 5xx"', '1.4.0');
    expect(second).toMatch(/1\.4\.1 \(rev 5, by <@U0CAROL003> \d\d:\d\d, live\) → 1\.4\.0 \(rev 2, last good/);
    // The second responder is told the first one's rollback is what runs, and that this goes further back.
    expect(second).toMatch(/⚠ <@U0CAROL003> rolled back to 1\.4\.1 \d+ seconds? ago: this goes further back\./);
    expect(first).not.toContain('rolled back to 1.4');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.4.0`);
    expect(await ledger('checkout')).toEqual([
      ['deploy', '1.4.0', 'succeeded'],
      ['deploy', '1.4.1', 'succeeded'],
      ['deploy', '1.4.2', 'rolled_back'],
      ['rollback', '1.4.1', 'rolled_back'],
      ['rollback', '1.4.0', 'succeeded'],
    ]);
    const rows = await releaseRows(stack, 'service = $1', ['checkout']);
    expect(rows[2]!.rolled_back_by).toBe(rows[3]!.id);
    expect(rows[3]!.rolled_back_from).toBe(rows[2]!.id);
    // The rollback reused 1.4.1's ReplicaSet: the same identity, renumbered.
    expect(rows[3]!.rs_uid).toBe(rows[1]!.rs_uid);
    expect(rows[3]!.template_hash).toBe(rows[1]!.template_hash);
    expect(rows[3]!.revision).not.toBe(rows[1]!.revision);
    expect(rows[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  }, 90_000);

  it('skips a cancelled deploy: with nothing earlier known good, the previous revision ops-bot did not make', async () => {
    stack.kube.staging.failImage(`${IMAGE}:1.4.5-stuck`, 'NeverReady');
    const cancelled = await settled('checkout 1.4.5-stuck to staging: cancelled');
    await stack.slack.command('bob', '/deploy checkout 1.4.5-stuck to staging');
    const jobId = await eventually(async () => {
      const [row] = await releaseRows(stack, 'version = $1', ['1.4.5-stuck']);
      expect(row).toBeDefined();
      return String(row!.job_id);
    });
    await eventually(() => expect(image('checkout')).toBe(`${IMAGE}:1.4.5-stuck`));
    await stack.slack.command('bob', `/ops cancel ${jobId}`);
    await cancelled();
    expect(image('checkout')).toBe(`${IMAGE}:1.4.0`);
    // kubectl's rule would take 1.4.5-stuck (the revision before the one put back); 1.4.1 and 1.4.2 were rolled back.
    const answer = await rollback('carol', '/rollback checkout staging', '1.3.9');
    expect(answer).toContain('→ 1.3.9 (rev 1, previous revision, made outside ops-bot)');
    expect((await ledger('checkout')).slice(-2)).toEqual([
      ['deploy', '1.4.5-stuck', 'cancelled'],
      ['rollback', '1.3.9', 'succeeded'],
    ]);
  }, 60_000);

  it('skips a release the deploy rolled back automatically, and one a person rolled back', async () => {
    await deploy('orders', '1.4.2');
    stack.kube.staging.failImage(`${ORDERS}:1.4.3`, 'ImagePullBackOff');
    await deploy('orders', '1.4.3', 'failed and rolled back');
    expect(image('orders')).toBe(`${ORDERS}:1.4.2`);
    await deploy('orders', '1.4.4');
    const first = await rollback('carol', '/rollback orders staging --reason "orders stuck in 1.4.4"', '1.4.2');
    expect(first).toMatch(/1\.4\.4 \(rev 5, by <@U0BOB00002> \d\d:\d\d, live\) → 1\.4\.2 \(rev 4, last good/);
    // Now only 1.4.1 (there before ops-bot) is left that nothing says is bad: not 1.4.4, not 1.4.3.
    const second = await rollback('dave', '/rollback orders staging', '1.4.1');
    expect(second).toContain('→ 1.4.1 (rev 1, previous revision, made outside ops-bot)');
    expect(image('orders')).toBe(`${ORDERS}:1.4.1`);
    // What a rollback moves away from is the release that put the live ReplicaSet there: the second
    // rollback marks the first (1.4.2 again), and the ledger judges a ReplicaSet by its newest row.
    expect(await ledger('orders')).toEqual([
      ['deploy', '1.4.2', 'succeeded'],
      ['deploy', '1.4.3', 'rolled_back_auto'],
      ['deploy', '1.4.4', 'rolled_back'],
      ['rollback', '1.4.2', 'rolled_back'],
      ['rollback', '1.4.1', 'succeeded'],
    ]);
    // The failed release is known by the ReplicaSet it made, though that is no longer live.
    const [failed] = await releaseRows(stack, 'service = $1 AND version = $2', ['orders', '1.4.3']);
    expect(failed!.rs_uid).toEqual(expect.any(String));
    expect(failed!.outcome_detail).toContain('ImagePullBackOff');
  }, 90_000);

  it('goes to a rolled-back release only when --to names it, and the plan says who rolled it back and why', async () => {
    const answer = await rollback(
      'erin',
      '/rollback orders staging --to 1.4.4 --reason "1.4.4 was fine after all"',
      '1.4.4',
    );
    expect(answer).toMatch(
      /→ 1\.4\.4 \(rev \d+, by <@U0BOB00002> \d\d:\d\d\) ⚠ this release was rolled back on \d{4}-\d\d-\d\d \d\d:\d\d UTC by <@U0CAROL003>: orders stuck in 1\.4\.4/,
    );
    expect(image('orders')).toBe(`${ORDERS}:1.4.4`);
  });

  it('offers /deploy when the last good release is no longer in the cluster', async () => {
    await deploy('cart', '2.1.0');
    await deploy('cart', '2.2.0');
    // revisionHistoryLimit 0: the controller keeps no old ReplicaSet.
    await eventually(() =>
      expect(
        stack.kube.staging.store.list('ReplicaSet', 'shop').filter((rs) => rs.metadata.name.startsWith('cart-')),
      ).toHaveLength(1),
    );
    const jobsBefore = await stack.bot.queues.queue('rollback').getJobCounts();
    const answer = await stack.slack.command('carol', '/rollback cart staging');
    const text = String(answer.json?.text);
    expect(text).toMatch(
      /The last good release of cart in staging, 2\.1\.0 \(by <@U0BOB00002> \d\d:\d\d\), is no longer in the cluster/,
    );
    expect(text).toContain('`/deploy cart 2.1.0 to staging`');
    expect(text).toMatch(/`\/deploy cart sha256:[0-9a-f]{64} to staging`/);
    expect(await stack.bot.queues.queue('rollback').getJobCounts()).toEqual(jobsBefore);
    expect(image('cart')).toBe(`${CART}:2.2.0`);
  });
});

describe('one ledger row per release', () => {
  it('when the request is delivered twice and when the finished job is run again after a stall', async () => {
    const triggerId = '13245.98765.cart23';
    const done = await settled('cart 2.3.0 to staging: succeeded');
    await Promise.all([
      stack.slack.command('bob', '/deploy cart 2.3.0 to staging', { triggerId }),
      stack.slack.command('bob', '/deploy cart 2.3.0 to staging', { triggerId, retryNum: 1 }),
    ]);
    await done();
    const queue = stack.bot.queues.queue('deploy');
    const [row] = await releaseRows(stack, 'version = $1', ['2.3.0']);
    const job = (await queue.getJob(String(row!.job_id)))!;
    // What the stalled-job check does after an outage: the same job, with the data it last saved.
    await job.remove();
    await queue.add('deploy', job.data, { jobId: String(row!.job_id) });
    await eventually(async () => expect(await queue.getJobState(String(row!.job_id))).toBe('completed'));
    expect((await releaseRows(stack, 'version = $1', ['2.3.0'])).map((r) => [r.id, r.outcome])).toEqual([
      [row!.id, 'succeeded'],
    ]);
  });
});
