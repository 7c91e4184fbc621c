import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashOf } from '../../src/core/ids.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { IMAGE, auditRows, currentImage, ephemeralsTo, realPatches } from '../support/approvals.ts';
import { rollbackCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Rollback tests' catalog (checkout in staging and production; production rollbacks need one of
// @sre-leads or @oncall, production deploys no approval) with incidents whose clocks stay quiet.
const CART = 'registry.example.com/shop/cart';
const CART_SERVICE = `  cart:
    namespace: shop
    deployment: cart
    container: app
    image: ${CART}
    environments: [staging]
roles:
`;
const STOREFRONT = 'registry.example.com/shop/storefront';
const CATALOG = `${rollbackCatalog({ image: IMAGE, storefront: STOREFRONT, deployApproval: false }).replace('roles:\n', CART_SERVICE)}  incident: ["*"]
incidents:
  oncall: ["@oncall"]
  severities:
    P1: { ackWithin: 1h, updateEvery: 1h }
    P2: { ackWithin: 1h, updateEvery: 1h }
`;
const BOB = 'U0BOB00002';
const CAROL = 'U0CAROL003';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  stack.kube.prod.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.3.0`,
    replicas: 3,
  });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'storefront-blue',
    container: 'web',
    image: `${STOREFRONT}:3.1.0`,
    replicas: 2,
    labels: { app: 'storefront', colour: 'blue' },
  });
  stack.kube.staging.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
  // revisionHistoryLimit 0: the controller keeps no old ReplicaSet of cart.
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'cart',
    container: 'app',
    image: `${CART}:2.0.0`,
    replicas: 1,
    revisionHistoryLimit: 0,
  });
});

afterAll(async () => stack.close());

function anywhere(startsWith: string): SimMessage | undefined {
  return stack.sim.workspace.messages.filter((message) => message.text.startsWith(startsWith)).at(-1);
}

async function settled(startsWith: string): Promise<SimMessage> {
  const found = await eventually(
    () => {
      const candidate = anywhere(startsWith);
      if (!candidate) throw new Error(`no "${startsWith}" yet`);
      return candidate;
    },
    { timeoutMs: 20_000, what: startsWith },
  );
  await eventually(async () =>
    expect(
      (await stack.bot.queues.queue('deploy').getActiveCount()) +
        (await stack.bot.queues.queue('rollback').getActiveCount()),
    ).toBe(0),
  );
  return found;
}

async function deploy(version: string, service = 'checkout', env = 'production'): Promise<void> {
  await stack.slack.command('bob', `/deploy ${service} ${version} to ${env} --reason "release ${version}"`);
  await settled(`${service} ${version} to ${env}: succeeded`);
}

type Row = { setup: string; card_ts: string | null; channel_id: string | null };

async function declare(text: string): Promise<{ cardTs: string; channel: string }> {
  const answer = await stack.slack.command('alice', `/incident declare ${text}`, { channel: 'general' });
  const id = hashOf(`command:${answer.triggerId}`).slice(0, 16);
  const row = await eventually(
    async () => {
      const found = (await stack.bot.pool.query<Row>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
      if (found?.setup !== 'done' || !found.card_ts) throw new Error(`set-up is ${found?.setup ?? 'not started'}`);
      return found;
    },
    { timeoutMs: 15_000, what: `the declaration of ${text}` },
  );
  return { cardTs: row.card_ts!, channel: row.channel_id! };
}

type Modal = { callback_id: string; private_metadata: string; blocks: unknown[] };

function rollbackForms(): Modal[] {
  return stack.sim
    .callsTo('views.open')
    .map((call) => (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as Modal)
    .filter((modal) => modal.callback_id === 'incident_rollback_modal');
}

// Presses Roll back on the card and returns the form it opened.
async function pressRollback(who: string, cardTs: string): Promise<Modal> {
  const before = rollbackForms().length;
  await stack.slack.click(who, { messageTs: cardTs, actionId: 'deploy_rollback' });
  return eventually(() => {
    const forms = rollbackForms();
    if (forms.length === before) throw new Error('no rollback form opened');
    return forms.at(-1)!;
  });
}

function submit(who: string, form: Modal) {
  return stack.slack.submitView(who, {
    callbackId: form.callback_id,
    privateMetadata: form.private_metadata,
    values: {},
  });
}

async function rollbackRequests(): Promise<number> {
  return (await auditRows(stack, "action = 'rollback.request'")).length;
}

describe("the incident card's Roll back and last change", () => {
  let card: { cardTs: string; channel: string };

  it('shows the last change of the affected service on the card', async () => {
    for (const version of ['1.4.0', '1.4.1', '1.4.2']) await deploy(version);
    card = await declare('P1 "checkout errors" --service checkout');
    const blocks = JSON.stringify(stack.sim.workspace.message(card.channel, card.cardTs)!.blocks);
    expect(blocks).toMatch(
      new RegExp(`last change: 1\\.4\\.2 by <@${BOB}>, \\d+ (second|minute)s? before declaration`),
    );
    expect(blocks).not.toContain('"confirm"');
  });

  it('opens a form naming from → to at the press, and its submit plans the rollback through approval', async () => {
    const form = await pressRollback('carol', card.cardTs);
    expect(JSON.stringify(form.blocks)).toMatch(
      new RegExp(
        `checkout production: 1\\.4\\.2 \\(rev \\d+, by <@${BOB}> \\d\\d:\\d\\d, live\\) → 1\\.4\\.1 \\(rev \\d+, last good, ran \\d+ \\w+\\)`,
      ),
    );
    await submit('carol', form);
    const request = await eventually(() => {
      const found = anywhere(':lock: roll back checkout');
      if (!found) throw new Error('no rollback approval request');
      return found;
    });
    await stack.slack.click('erin', { messageTs: request.ts, actionId: 'approval_approve' });
    await settled('checkout rollback to 1.4.1 in production: rolled back');
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}:1.4.1`);
    const accepted = (await auditRows(stack, "action = 'rollback.request'")).at(-1)!;
    expect(accepted).toMatchObject({
      actor: CAROL,
      decision: 'accepted',
      command: 'form rollback checkout production',
    });
  });

  it('refuses a form submitted after another deploy, and changes nothing', async () => {
    const stale = await pressRollback('carol', card.cardTs);
    expect(JSON.stringify(stale.blocks)).toMatch(/checkout production: 1\.4\.1 .*→ 1\.4\.0 /);
    await deploy('1.4.3');
    const patches = realPatches(stack, 'prod').length;
    const requests = await rollbackRequests();
    await submit('carol', stale);
    const answer = await eventually(() => {
      const found = ephemeralsTo(stack, CAROL)
        .map((call) => String(call.args.text))
        .find((text) => text.includes('This rollback form showed'));
      if (!found) throw new Error('no answer to the stale form');
      return found;
    });
    expect(answer).toMatch(
      /showed checkout production: 1\.4\.1 .*→ 1\.4\.0 .*, but checkout in production no longer runs what it showed; a rollback now would be checkout production: 1\.4\.3 .*Nothing was changed\./,
    );
    const refusals = await auditRows(stack, "action = 'incident_rollback_modal' AND decision = 'refused'");
    expect(refusals).toEqual([
      expect.objectContaining({
        actor: CAROL,
        command: 'form rollback checkout production',
        target: 'checkout/production',
      }),
    ]);
    expect(realPatches(stack, 'prod').length).toBe(patches);
    expect(await rollbackRequests()).toBe(requests);
    expect(await stack.bot.queues.queue('rollback').getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
    const locks = await stack.bot.redis.keys(`${stack.prefix}*lock*checkout*`);
    expect(locks).toEqual([]);
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}:1.4.3`);
  });

  it('says when nothing was recorded, and offers /deploy when the last good release was pruned', async () => {
    const fresh = await declare('P2 "cart slow" --service cart');
    const cardText = () => JSON.stringify(stack.sim.workspace.message(fresh.channel, fresh.cardTs)!.blocks);
    expect(cardText()).toContain('last change: none recorded by ops-bot');
    await deploy('2.1.0', 'cart', 'staging');
    await deploy('2.2.0', 'cart', 'staging');
    await eventually(() =>
      expect(
        stack.kube.staging.store.list('ReplicaSet', 'shop').filter((rs) => rs.metadata.name.startsWith('cart-')),
      ).toHaveLength(1),
    );
    const forms = rollbackForms().length;
    const requests = await rollbackRequests();
    await stack.slack.click('carol', { messageTs: fresh.cardTs, actionId: 'deploy_rollback' });
    const answer = await eventually(() => {
      const found = ephemeralsTo(stack, CAROL)
        .map((call) => String(call.args.text))
        .find((text) => text.includes('The last good release of cart'));
      if (!found) throw new Error('no answer to the press');
      return found;
    });
    expect(answer).toMatch(/2\.1\.0 \(by <@U0BOB00002> \d\d:\d\d\), is no longer in the cluster/);
    expect(answer).toContain('`/deploy cart 2.1.0 to staging`');
    expect(rollbackForms()).toHaveLength(forms);
    expect(await rollbackRequests()).toBe(requests);
  });

  it('opens no form when the cluster is too slow to plan within the trigger, and points to /rollback', async () => {
    const forms = rollbackForms().length;
    stack.kube.prod.slowDown(5_000);
    try {
      await stack.slack.click('carol', { messageTs: card.cardTs, actionId: 'deploy_rollback' });
      const answer = await eventually(() => {
        const found = ephemeralsTo(stack, CAROL)
          .map((call) => String(call.args.text))
          .find((text) => text.includes('could not work out the last good release of checkout in production in time'));
        if (!found) throw new Error('no answer to the press');
        return found;
      });
      expect(answer).toContain('Nothing was changed');
      expect(answer).toContain('`/rollback checkout production`');
      expect(rollbackForms()).toHaveLength(forms);
    } finally {
      stack.kube.prod.slowDown(0);
    }
  });

  it('says on the card that the last change could not be read when the ledger does not answer', async () => {
    // Another session holds the ledger's table: the set-up's read waits on the lock, as on a stuck PostgreSQL.
    const blocker = await stack.bot.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE releases IN ACCESS EXCLUSIVE MODE');
      const stuck = await declare('P2 "payments slow" --service checkout');
      const blocks = JSON.stringify(stack.sim.workspace.message(stuck.channel, stuck.cardTs)!.blocks);
      expect(blocks).toContain('last change: could not be read (the release ledger did not answer)');
      expect(blocks).toContain('Roll back checkout');
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
  });

  it('binds a blue-green switch-back to the colours it showed', async () => {
    await deploy('3.2.0', 'storefront', 'staging');
    const selector = () =>
      (stack.kube.staging.store.get('Service', 'shop', 'storefront')!.spec as { selector: Record<string, string> })
        .selector.colour;
    expect(selector()).toBe('green');
    const shop = await declare('P2 "storefront blank pages" --service storefront');
    const first = await pressRollback('carol', shop.cardTs);
    const stale = await pressRollback('dave', shop.cardTs);
    expect(JSON.stringify(first.blocks)).toMatch(/storefront staging: 3\.2\.0 .*→ 3\.1\.0 .*, traffic back to blue/);
    await submit('carol', first);
    await settled('storefront rollback to 3.1.0 in staging: rolled back');
    expect(selector()).toBe('blue');
    await submit('dave', stale);
    const answer = await eventually(() => {
      const found = ephemeralsTo(stack, 'U0DAVE0004')
        .map((call) => String(call.args.text))
        .find((text) => text.includes('This rollback form showed storefront staging'));
      if (!found) throw new Error('no answer to the stale form');
      return found;
    });
    expect(answer).toContain('no longer runs what it showed');
    expect(selector()).toBe('blue');
  });
});
