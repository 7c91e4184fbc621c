import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import {
  IMAGE,
  approvalMessage,
  auditRows,
  currentImage,
  ephemeralsTo,
  finalText,
  realPatches,
  seedCheckout,
} from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Production needs 2 of @sre-leads (carol, frank) or U0ALICE001 (alice); bob and dave are engineers.
const BOB = 'U0BOB00002';
const CAROL = 'U0CAROL003';
const DAVE = 'U0DAVE0004';
const FRANK = 'U0FRANK006';
const REJECT_MODAL = 'approval_reject_modal';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: testCatalog() });
  seedCheckout(stack);
});

afterAll(async () => stack.close());

type Modal = { callback_id: string; private_metadata: string; blocks: { block_id?: string }[] };

function rejectForms(): Modal[] {
  return stack.sim
    .callsTo('views.open')
    .map((call) => (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as Modal)
    .filter((modal) => modal.callback_id === REJECT_MODAL);
}

async function requestDeploy(version: string): Promise<SimMessage> {
  const answer = await stack.slack.command(
    'bob',
    `/deploy checkout ${version} to production --reason "try ${version}"`,
  );
  expect(answer.json?.text).toMatch(/job `?plan-/);
  return approvalMessage(stack, version);
}

function approvalIdOf(message: SimMessage): string {
  const id = /apr-[0-9a-f]{16}/.exec(JSON.stringify(message.blocks))?.[0];
  if (!id) throw new Error('no approval id on the request message');
  return id;
}

// Presses Reject and returns the form it opened.
async function pressReject(who: string, message: SimMessage): Promise<Modal> {
  const before = rejectForms().length;
  await stack.slack.click(who, { messageTs: message.ts, actionId: 'approval_reject' });
  return eventually(() => {
    const forms = rejectForms();
    if (forms.length === before) throw new Error('no Reject form opened');
    return forms.at(-1)!;
  });
}

function submit(who: string, form: Modal, reason: string | null, privateMetadata = form.private_metadata) {
  return stack.slack.submitView(who, {
    callbackId: REJECT_MODAL,
    privateMetadata,
    values: { reason: { value: { type: 'plain_text_input', value: reason } } },
  });
}

async function rejectRows(approvalId: string) {
  return auditRows(stack, "event = 'reject' AND details->>'approvalId' = $1", [approvalId]);
}

async function deployStarts(): Promise<number> {
  return (await auditRows(stack, "action = 'deploy.start'")).length;
}

describe('Reject with a reason', () => {
  it('opens a form bound to the request, and submitting it rejects with the reason on the message, to the requester and in the audit; nothing runs', async () => {
    const message = await requestDeploy('2.0.0');
    const approvalId = approvalIdOf(message);
    const form = await pressReject('carol', message);
    expect(JSON.parse(form.private_metadata)).toEqual({ approvalId, channel: 'C0DEPLOYS01' });
    expect(form.blocks.map((block) => block.block_id)).toContain('reason');
    // Pressing only opens the form: the request still waits.
    expect(stack.sim.workspace.messageByTs(message.ts)!.text).toContain('Waiting for approval');
    expect(await rejectRows(approvalId)).toHaveLength(0);

    const answer = await submit('carol', form, '  error budget   spent this week\n— retry Monday ');
    expect(answer.status).toBe(200);
    expect(answer.json).toBeUndefined();

    const reason = 'error budget spent this week — retry Monday';
    const text = await finalText(stack, message, `Rejected by <@${CAROL}>: ${reason} (at `);
    expect(text).toContain('Nothing ran.');
    expect(JSON.stringify(stack.sim.workspace.messageByTs(message.ts)!.blocks)).not.toContain('approval_reject');
    await eventually(() =>
      expect(ephemeralsTo(stack, BOB).some((call) => String(call.args.text).includes(`: ${reason} (at `))).toBe(true),
    );
    await eventually(() =>
      expect(
        ephemeralsTo(stack, CAROL).some((call) => String(call.args.text).includes('Rejected. Nothing will run.')),
      ).toBe(true),
    );
    const rows = await rejectRows(approvalId);
    expect(rows.map((row) => [row.actor, row.decision, row.reason])).toEqual([[CAROL, 'rejected', reason]]);
    expect(rows[0]!.details).toMatchObject({ approvalId, code: 'rejected', via: 'button', reason });
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
    expect(realPatches(stack)).toHaveLength(0);
    expect(await deployStarts()).toBe(0);
    expect(await stack.bot.queues.queue('deploy').getJob(`deploy-${approvalId.slice(4)}`)).toBeUndefined();
  });

  it('rejects with an empty reason, saying none', async () => {
    const message = await requestDeploy('2.1.0');
    const approvalId = approvalIdOf(message);
    const form = await pressReject('frank', message);
    await submit('frank', form, null);
    const text = await finalText(stack, message, `Rejected by <@${FRANK}> at `);
    expect(text).not.toContain(`<@${FRANK}>:`);
    const rows = await rejectRows(approvalId);
    expect(rows.map((row) => [row.decision, row.reason])).toEqual([['rejected', null]]);
    expect(rows[0]!.details).not.toHaveProperty('reason');
    expect(realPatches(stack)).toHaveLength(0);
  });

  it('refuses a submit that comes after the request was approved, and changes nothing', async () => {
    const message = await requestDeploy('2.2.0');
    const approvalId = approvalIdOf(message);
    const form = await pressReject('carol', message);
    await stack.slack.click('frank', { messageTs: message.ts, actionId: 'approval_approve' });
    await finalText(stack, message, `Approved so far by <@${FRANK}>`);
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(() => expect(currentImage(stack)).toBe(`${IMAGE}:2.2.0`), { what: 'production on 2.2.0' });
    await eventually(
      async () => {
        expect(await auditRows(stack, "action = 'deploy.result'")).toHaveLength(1);
        expect(await stack.bot.queues.queue('deploy').getActiveCount()).toBe(0);
      },
      { what: 'the deploy to finish' },
    );

    await submit('carol', form, 'too late to matter');

    await eventually(() =>
      expect(
        ephemeralsTo(stack, CAROL).some((call) =>
          String(call.args.text).includes('This request is already approved and running; nothing was changed.'),
        ),
      ).toBe(true),
    );
    const rows = await rejectRows(approvalId);
    expect(rows.map((row) => [row.actor, row.decision])).toEqual([[CAROL, 'refused']]);
    expect(rows[0]!.details).toMatchObject({ code: 'final', reason: 'too late to matter' });
    const text = await finalText(stack, message, 'Approved by');
    expect(text).not.toContain('Rejected');
    expect(realPatches(stack)).toHaveLength(1);
  });

  it("refuses a non-approver's press and the requester's as before, without a form", async () => {
    const message = await requestDeploy('2.3.0');
    const approvalId = approvalIdOf(message);
    const formsBefore = rejectForms().length;
    await stack.slack.click('dave', { messageTs: message.ts, actionId: 'approval_reject' });
    await stack.slack.click('bob', { messageTs: message.ts, actionId: 'approval_reject' });
    await eventually(() =>
      expect(ephemeralsTo(stack, DAVE).some((call) => String(call.args.text).includes('You are not an approver'))).toBe(
        true,
      ),
    );
    await eventually(() =>
      expect(
        ephemeralsTo(stack, BOB).some((call) =>
          String(call.args.text).includes('you cannot approve or reject it yourself'),
        ),
      ).toBe(true),
    );
    expect(rejectForms()).toHaveLength(formsBefore);
    const rows = await rejectRows(approvalId);
    expect(rows.map((row) => [row.actor, row.decision, (row.details as { code: string }).code])).toEqual(
      expect.arrayContaining([
        [DAVE, 'refused', 'not_approver'],
        [BOB, 'refused', 'self_approval'],
      ]),
    );
    expect(stack.sim.workspace.messageByTs(message.ts)!.text).toContain('Waiting for approval');
    // ❌ still rejects at once, without a reason.
    await stack.slack.react('carol', { messageTs: message.ts, reaction: 'x' });
    await finalText(stack, message, `Rejected by <@${CAROL}> at `);
  });

  it('rejects nothing when the form cannot open in time, and says to press again or react ❌', async () => {
    const message = await requestDeploy('2.5.0');
    stack.sim.fail('views.open', { error: 'expired_trigger_id' });
    await stack.slack.click('frank', { messageTs: message.ts, actionId: 'approval_reject' });
    const answer = await eventually(() => {
      const found = ephemeralsTo(stack, FRANK).find((call) => String(call.args.text).includes('Reject form in time'));
      if (!found) throw new Error('no answer to the press yet');
      return String(found.args.text);
    });
    expect(answer).toContain('Nothing was rejected; the request still waits.');
    expect(answer).toContain('react :x:');
    expect(stack.sim.workspace.messageByTs(message.ts)!.text).toContain('Waiting for approval');
    expect(await rejectRows(approvalIdOf(message))).toHaveLength(0);
    const refusals = await auditRows(stack, "action = 'button.approval_reject' AND actor = $1", [FRANK]);
    expect(refusals.map((row) => row.decision)).toEqual(['refused']);
    await pressReject('frank', message).then((form) => submit('frank', form, 'second try'));
    await finalText(stack, message, `Rejected by <@${FRANK}>: second try (at `);
  });

  it('answers a form that no longer names its request, or a reason too long, next to the field', async () => {
    const message = await requestDeploy('2.4.0');
    const form = await pressReject('carol', message);
    const lost = await submit('carol', form, 'why', '{not json');
    expect(lost.json).toEqual({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('no longer says which request it rejects') },
    });
    const long = await submit('carol', form, 'x'.repeat(501));
    expect(long.json).toEqual({ response_action: 'errors', errors: { reason: 'Keep the reason to 500 characters.' } });
    expect(stack.sim.workspace.messageByTs(message.ts)!.text).toContain('Waiting for approval');
    await submit('carol', form, 'x'.repeat(500));
    await finalText(stack, message, `Rejected by <@${CAROL}>: ${'x'.repeat(500)} (at `);
  });
});
