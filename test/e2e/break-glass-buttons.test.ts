import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashOf } from '../../src/core/ids.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { IMAGE, auditRows, currentImage, ephemeralsTo, realPatches } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Production is frozen for the whole file (launch-week, yesterday through tomorrow, UTC), with one of
// @incident-commanders (carol, frank) to break the glass; rollbacks also need one of @sre-leads or
// @oncall, deploys and restores nothing else. Staging is open. So every production change below,
// seeding included, goes through break-glass.
const isoDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const FREEZE_END = Date.parse(`${isoDay(2)}T00:00:00Z`) / 1000;
const CATALOG = `environments:
  staging: { context: staging }
  production:
    context: prod
    rollbackApproval: { approvers: ["@sre-leads", "@oncall"], required: 1, expires: 15m }
    freeze:
      - { name: launch-week, start: ${isoDay(-1)}, end: ${isoDay(1)}, tz: UTC }
    breakGlass: { approvers: ["@incident-commanders"], required: 1 }
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${IMAGE}
    environments: [staging, production]
    autoRollback: false
    timeout: 1m
databases:
  orders: { engine: rds-instance, identifier: orders-prod, region: eu-central-1, environment: production }
backups:
  reportChannel: C0DEPLOYS01
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  backup: ["@dba"]
  restore: ["@dba"]
  incident: ["*"]
incidents:
  oncall: ["@oncall"]
  severities:
    P1: { ackWithin: 1h, updateEvery: 1h }
`;
const BOB = 'U0BOB00002';
const SEED = 'seeding a release for this test';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  for (const sim of [stack.kube.staging, stack.kube.prod])
    sim.addDeployment({ namespace: 'shop', name: 'checkout', container: 'app', image: `${IMAGE}:1.4.0`, replicas: 2 });
  stack.rds.addInstance('orders-prod');
});

afterAll(async () => stack.close());

function latest(startsWith: string, from = 0): SimMessage | undefined {
  return stack.sim.workspace.messages
    .slice(from)
    .filter((message) => message.text.startsWith(startsWith))
    .at(-1);
}

// Messages posted so far: `settled` after it looks only at newer ones.
const mark = () => stack.sim.workspace.messages.length;

async function settled(startsWith: string, from = 0): Promise<SimMessage> {
  const found = await eventually(
    () => latest(startsWith, from) ?? Promise.reject(new Error(`no "${startsWith}" yet`)),
    {
      timeoutMs: 20_000,
      what: startsWith,
    },
  );
  await eventually(async () =>
    expect(
      (await stack.bot.queues.queue('deploy').getActiveCount()) +
        (await stack.bot.queues.queue('rollback').getActiveCount()),
    ).toBe(0),
  );
  return found;
}

const requestTs = () =>
  new Set(
    stack.sim.workspace.messages
      .filter((message) => JSON.stringify(message.blocks).includes('approval_approve'))
      .map((m) => m.ts),
  );

// The approval request an action posts (in whichever channel), once it appears.
async function requestAfter(act: () => Promise<unknown>): Promise<SimMessage> {
  const before = requestTs();
  await act();
  return eventually(() => {
    const found = stack.sim.workspace.messages.find(
      (message) => !before.has(message.ts) && JSON.stringify(message.blocks).includes('approval_approve'),
    );
    if (!found) throw new Error('no new approval request');
    return found;
  });
}

async function approve(request: SimMessage, ...who: string[]): Promise<void> {
  for (const person of who) await stack.slack.click(person, { messageTs: request.ts, actionId: 'approval_approve' });
}

async function breakGlassDeploy(version: string): Promise<SimMessage> {
  const command = `/deploy checkout ${version} to production --break-glass "${SEED}"`;
  await approve(await requestAfter(() => stack.slack.command('bob', command)), 'frank');
  return settled(`checkout ${version} to production: succeeded`);
}

type Modal = { callback_id: string; private_metadata: string; blocks: unknown[] };

function breakGlassForms(): Modal[] {
  return stack.sim
    .callsTo('views.open')
    .map((call) => (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as Modal)
    .filter((modal) => modal.callback_id === 'break_glass_modal');
}

// Presses a change button during the freeze: the break-glass form it opens, naming the freeze and its end.
async function pressForForm(who: string, target: Parameters<Stack['slack']['click']>[1]): Promise<Modal> {
  const before = breakGlassForms().length;
  await stack.slack.click(who, target);
  const form = await eventually(() => breakGlassForms().at(before) ?? Promise.reject(new Error('no form yet')));
  const text = JSON.stringify(form.blocks);
  expect(text).toContain('The freeze *launch-week* is in force until <!date^' + FREEZE_END + '^');
  return form;
}

function submit(who: string, form: Modal, reason: string, more: Record<string, string> = {}) {
  const values: Record<string, Record<string, unknown>> = { break_glass_reason: { value: { value: reason } } };
  for (const [block, value] of Object.entries(more)) values[block] = { value: { value } };
  return stack.slack.submitView(who, { callbackId: form.callback_id, privateMetadata: form.private_metadata, values });
}

async function refusedShortReason(form: Modal): Promise<void> {
  const requests = requestTs().size;
  const answer = await submit('bob', form, 'urgent');
  expect(answer.json).toMatchObject({
    response_action: 'errors',
    errors: { break_glass_reason: expect.stringContaining('at least 10 characters') },
  });
  expect(requestTs().size).toBe(requests);
}

const lastRow = async (action: string) => (await auditRows(stack, 'action = $1', [action])).at(-1)!;

describe('change buttons during a freeze', () => {
  let live: SimMessage;

  it('deploy message Rollback: opens the form, refuses a short reason, runs only after the break-glass approval', async () => {
    await breakGlassDeploy('1.4.1');
    live = await breakGlassDeploy('1.4.2');
    const forms = breakGlassForms().length;
    await stack.slack.click('guest', { messageTs: live.ts, actionId: 'deploy_rollback' });
    await eventually(async () =>
      expect(await auditRows(stack, "actor = 'U0GUEST007' AND decision = 'refused'")).toHaveLength(1),
    );
    expect(breakGlassForms()).toHaveLength(forms);
    const form = await pressForForm('bob', { messageTs: live.ts, actionId: 'deploy_rollback' });
    expect(JSON.stringify(form.blocks)).toContain('Roll back *checkout* in *production* to 1.4.1');
    await refusedShortReason(form);
    const request = await requestAfter(() => submit('bob', form, 'checkout answers 500 since 1.4.2'));
    expect(request.text).toContain('BREAK-GLASS');
    const patches = realPatches(stack).length;
    await approve(request, 'erin');
    await eventually(() =>
      expect(JSON.stringify(stack.sim.workspace.messageByTs(request.ts)!.blocks)).toContain('approval_approve'),
    );
    expect(realPatches(stack).length).toBe(patches);
    expect(await stack.bot.queues.queue('rollback').getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
    const from = mark();
    await approve(request, 'frank');
    await settled('checkout rollback to 1.4.1 in production: rolled back', from);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.1`);
    expect(await lastRow('rollback.request')).toMatchObject({
      actor: BOB,
      reason: 'BREAK-GLASS during freeze "launch-week": checkout answers 500 since 1.4.2',
      details: expect.objectContaining({ breakGlass: true }),
    });
  }, 90_000);

  it('history row Rollback-to: the form, then the row’s release after approval', async () => {
    await breakGlassDeploy('1.4.3');
    // The 1.4.2 deploy's button, pressed now: refused at the press, before anyone writes a reason for it.
    const forms = breakGlassForms().length;
    const requests = requestTs().size;
    await stack.slack.click('bob', { messageTs: live.ts, actionId: 'deploy_rollback' });
    const refusal = await eventually(() => {
      const found = ephemeralsTo(stack, BOB)
        .map((call) => String(call.args.text))
        .find((text) => text.includes('This Rollback was for checkout 1.4.2'));
      return found ?? Promise.reject(new Error('no answer to the stale button'));
    });
    expect(refusal).toContain('Nothing was changed');
    expect(breakGlassForms().length).toBe(forms);
    expect(requestTs().size).toBe(requests);
    const refused = await auditRows(stack, "action = 'button.deploy_rollback' AND decision = 'refused'");
    expect(refused.some((row) => String(row.reason).includes('This Rollback was for checkout 1.4.2'))).toBe(true);
    await stack.slack.command('bob', '/deploy history checkout production');
    const history = await eventually(() => {
      const found = stack.sim.workspace.ephemerals
        .filter((candidate) => candidate.user === BOB && candidate.text.startsWith('Deploy history'))
        .at(-1);
      return found ?? Promise.reject(new Error('no history yet'));
    });
    type Actions = { type: string; elements?: { action_id: string; value: string }[] };
    const value = (history.blocks as Actions[])
      .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
      .find((element) => element.action_id === 'rollback_to' && element.value.includes('"version":"1.4.1"'))!.value;
    const form = await pressForForm('bob', { messageTs: history.ts, actionId: 'rollback_to', value });
    const request = await requestAfter(() => submit('bob', form, 'the 1.4.3 release corrupts carts'));
    const from = mark();
    await approve(request, 'erin', 'frank');
    await settled('checkout rollback to 1.4.1 in production: rolled back', from);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.1`);
    expect((await lastRow('rollback.request')).reason).toBe(
      'BREAK-GLASS during freeze "launch-week": the 1.4.3 release corrupts carts',
    );
  }, 90_000);

  it('incident card Roll back: offers the incident as the reason, and the audit links the incident', async () => {
    await breakGlassDeploy('1.4.4');
    const answer = await stack.slack.command('alice', '/incident declare P1 "checkout errors" --service checkout', {
      channel: 'general',
    });
    const id = hashOf(`command:${answer.triggerId}`).slice(0, 16);
    type Row = { setup: string; card_ts: string | null; channel_id: string | null; channel_name: string | null };
    const incident = await eventually(
      async () => {
        const row = (await stack.bot.pool.query<Row>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
        if (row?.setup !== 'done' || !row.card_ts) throw new Error('not set up yet');
        return row;
      },
      { timeoutMs: 15_000 },
    );
    // PostgreSQL holding the incidents table: the form still opens, without the offer.
    const blocker = await stack.bot.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
      const plain = await pressForForm('bob', { messageTs: incident.card_ts!, actionId: 'deploy_rollback' });
      expect(JSON.stringify(plain.blocks)).not.toContain('initial_value');
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const form = await pressForForm('bob', { messageTs: incident.card_ts!, actionId: 'deploy_rollback' });
    const offered = `incident #${incident.channel_name} P1 checkout errors`;
    expect(JSON.stringify(form.blocks)).toContain(`"initial_value":"${offered}"`);
    expect(JSON.stringify(form.blocks)).toMatch(/checkout production: 1\.4\.4 .*→ 1\.4\.1 /);
    const request = await requestAfter(() => submit('bob', form, offered));
    const from = mark();
    await approve(request, 'erin', 'frank');
    await settled('checkout rollback to 1.4.1 in production: rolled back', from);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.1`);
    expect(await lastRow('rollback.request')).toMatchObject({
      reason: `BREAK-GLASS during freeze "launch-week": ${offered}`,
      channel: incident.channel_id,
      details: expect.objectContaining({ incident: expect.objectContaining({ id, channel: incident.channel_id }) }),
    });
    // The card's plain Roll back form, opened before the freeze began and submitted inside it.
    const shown = { from: 'rs:before-the-freeze', to: 'rs:older', summary: 'checkout production: 1.4.4 → 1.4.1' };
    const metadata = JSON.stringify({ service: 'checkout', env: 'production', channel: incident.channel_id, shown });
    await stack.slack.submitView('bob', {
      callbackId: 'incident_rollback_modal',
      privateMetadata: metadata,
      values: {},
    });
    const refusal = await eventually(() => {
      const found = ephemeralsTo(stack, BOB)
        .map((call) => String(call.args.text))
        .find((text) => text.includes('Press Roll back on the incident card again'));
      return found ?? Promise.reject(new Error('no answer to the form'));
    });
    expect(refusal).toContain('The freeze "launch-week" is in force until');
    expect(refusal).not.toContain('add --break-glass');
  }, 90_000);

  it('Restore…: the form asks the new name with the reason; the restore runs after the break-glass approval', async () => {
    await stack.slack.command('dave', '/backup orders --reason "before the fix"');
    const backup = await eventually(
      () => {
        const found = latest('Backup of orders');
        if (!found?.text.includes('backed up')) throw new Error('not backed up yet');
        return found;
      },
      { timeoutMs: 20_000 },
    );
    const backupId = /(orders-\d{8}-\d{6}-[0-9a-f]{6})/.exec(backup.text)![1]!;
    const form = await pressForForm('dave', { messageTs: backup.ts, actionId: 'backup_restore' });
    expect(JSON.stringify(form.blocks)).toContain('"block_id":"target"');
    const badName = await submit('dave', form, 'orders rows lost in the incident', { target: 'Orders Copy' });
    expect(badName.json).toMatchObject({ response_action: 'errors', errors: { target: expect.any(String) } });
    const reason = 'orders rows lost in the incident';
    const request = await requestAfter(() => submit('dave', form, reason, { target: 'orders-copy' }));
    expect(stack.rds.calls.filter((call) => call.action === 'RestoreDBInstanceFromDBSnapshot')).toHaveLength(0);
    await approve(request, 'frank');
    await eventually(() => expect(latest(`Restore of ${backupId}`)?.text).toContain('restored at'), {
      timeoutMs: 20_000,
    });
    const restores = stack.rds.calls.filter(
      (call) => call.action === 'RestoreDBInstanceFromDBSnapshot' && call.params.DBInstanceIdentifier === 'orders-copy',
    );
    expect(restores).toHaveLength(1);
    expect((await lastRow('restore.request')).reason).toBe(`BREAK-GLASS during freeze "launch-week": ${reason}`);
  }, 90_000);

  it('Promote: the form, then the promoted digest in production after the break-glass approval', async () => {
    await stack.slack.command('bob', '/deploy checkout 2.0.0 to staging');
    const staging = await settled('checkout 2.0.0 to staging: succeeded');
    const form = await pressForForm('bob', { messageTs: staging.ts, actionId: 'deploy_promote' });
    expect(JSON.stringify(form.blocks)).toContain('Promote *checkout* 2.0.0');
    const request = await requestAfter(() => submit('bob', form, 'the fix for the checkout errors'));
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.1`);
    await approve(request, 'frank');
    await eventually(() => expect(currentImage(stack)).toMatch(/@sha256:/), { timeoutMs: 20_000 });
    expect((await lastRow('deploy.request')).reason).toBe(
      'BREAK-GLASS during freeze "launch-week": the fix for the checkout errors',
    );
  }, 90_000);
});
