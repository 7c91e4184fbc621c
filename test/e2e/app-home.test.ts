import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, approvalMessage, currentImage, realPatches, seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Production needs 2 of @sre-leads (carol, frank) or alice; bob asks, dave is an engineer.
const CAROL = 'U0CAROL003';
const DAVE = 'U0DAVE0004';
const FRANK = 'U0FRANK006';
const BOB = 'U0BOB00002';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: testCatalog() });
  seedCheckout(stack);
});

afterAll(async () => {
  await stack.close();
});

function home(userId: string): string {
  return JSON.stringify(stack.sim.workspace.homes.get(userId)?.view.blocks ?? []);
}

function homeButtons(userId: string, actionId: string): string[] {
  const blocks = (stack.sim.workspace.homes.get(userId)?.view.blocks ?? []) as { elements?: unknown[] }[];
  return blocks
    .flatMap((block) => (block.elements ?? []) as { action_id?: string; value?: string }[])
    .filter((element) => element.action_id === actionId)
    .map((element) => String(element.value));
}

async function opened(who: string, userId: string, shows: string) {
  await stack.slack.openHome(who);
  await eventually(() => expect(home(userId)).toContain(shows), { what: `${who}'s Home showing ${shows}` });
}

function publishesTo(userId: string, sinceSeq: number): number {
  return stack.sim
    .callsSince(sinceSeq)
    .filter((call) => call.method === 'views.publish' && call.args.user_id === userId).length;
}

describe('App Home', () => {
  let approvalId = '';

  it('shows a pending request with Approve / Reject to an approver, without buttons to others', async () => {
    await opened('carol', CAROL, 'Nothing is waiting for your approval');
    await opened('dave', DAVE, 'Nothing is waiting for your approval');
    await opened('bob', BOB, 'You have no requests waiting');
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to production --reason "home test"');
    const message = await approvalMessage(stack, '1.1.0');
    // Those who opened Home before see it without opening it again: the new request refreshed them.
    await eventually(() => expect(homeButtons(CAROL, 'approval_approve')).toHaveLength(1), {
      what: "the request on carol's Home",
    });
    approvalId = homeButtons(CAROL, 'approval_approve')[0]!;
    expect(homeButtons(CAROL, 'approval_reject')).toEqual([approvalId]);
    expect(JSON.stringify(message.blocks)).toContain(approvalId);
    expect(home(CAROL)).toContain('checkout production: 1.0.0');
    await eventually(() => expect(homeButtons(BOB, 'approval_cancel')).toEqual([approvalId]));
    expect(homeButtons(BOB, 'approval_approve')).toEqual([]);
    // dave may not approve: his Home lists nothing to decide and has no buttons.
    await opened('dave', DAVE, 'Nothing is waiting for your approval');
    expect(homeButtons(DAVE, 'approval_approve')).toEqual([]);
    expect(homeButtons(DAVE, 'approval_reject')).toEqual([]);
  });

  it("counts Home's Approve and the channel's Approve by the same person once", async () => {
    const message = await approvalMessage(stack, '1.1.0');
    await stack.slack.clickHome('carol', { actionId: 'approval_approve', value: approvalId });
    await eventually(() => expect(stack.sim.workspace.messageByTs(message.ts)!.text).toContain('1 of 2'), {
      what: 'one approval on the channel message',
    });
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    // The second press is answered (and audited) as refused: it adds no approval.
    await eventually(async () => {
      const { rows } = await stack.bot.pool.query(
        "SELECT decision FROM audit_events WHERE event = 'approve' AND actor = $1 ORDER BY at",
        [CAROL],
      );
      expect(rows.map((row: { decision: string }) => row.decision)).toEqual(['approved_partial', 'refused']);
    });
    const stored = await stack.bot.pool.query('SELECT status, approvals FROM approval_requests WHERE id = $1', [
      approvalId,
    ]);
    expect(stored.rows[0].status).toBe('pending');
    expect(stored.rows[0].approvals).toHaveLength(1);
    // Carol's own Approve counted: her Home no longer offers her the buttons.
    await eventually(() => expect(homeButtons(CAROL, 'approval_approve')).toEqual([]));
  });

  it("runs the deploy exactly once on a second approver's Home press, and the Homes show it decided", async () => {
    await opened('frank', FRANK, approvalId);
    await stack.slack.clickHome('frank', { actionId: 'approval_approve', value: approvalId });
    await eventually(() => expect(currentImage(stack)).toBe(`${IMAGE}:1.1.0`), { what: 'production on 1.1.0' });
    await eventually(async () => expect(await stack.bot.queues.queue('deploy').getActiveCount()).toBe(0));
    expect(realPatches(stack)).toHaveLength(1);
    await eventually(() => expect(home(BOB)).toContain('• approved'), { what: "bob's Home" });
    expect(homeButtons(BOB, 'approval_cancel')).toEqual([]);
    await eventually(() => expect(home(CAROL)).toContain('• approved'), { what: "carol's Home" });
    await eventually(() => expect(homeButtons(FRANK, 'approval_approve')).toEqual([]));
  });

  it("Reject on Home opens the channel's reason form, and the rejection counts once", async () => {
    await stack.slack.command('bob', '/deploy checkout 1.2.0 to production --reason "home reject"');
    const message = await approvalMessage(stack, '1.2.0');
    await eventually(() => expect(homeButtons(CAROL, 'approval_reject')).toHaveLength(1), {
      what: "the new request on carol's Home",
    });
    const id = homeButtons(CAROL, 'approval_reject')[0]!;
    await stack.slack.clickHome('carol', { actionId: 'approval_reject', value: id });
    const form = await eventually(() => {
      const forms = stack.sim
        .callsTo('views.open')
        .map((call) => JSON.parse(String(call.args.view)) as { callback_id: string; private_metadata: string })
        .filter((modal) => modal.callback_id === 'approval_reject_modal');
      if (forms.length === 0) throw new Error('no Reject form opened');
      return forms.at(-1)!;
    });
    await stack.slack.submitView('carol', {
      callbackId: 'approval_reject_modal',
      privateMetadata: form.private_metadata,
      values: { reason: { value: { type: 'plain_text_input', value: 'not on a Friday' } } },
    });
    await eventually(() => expect(stack.sim.workspace.messageByTs(message.ts)!.text).toContain('not on a Friday'), {
      what: 'the channel message rejected',
    });
    await eventually(() => expect(home(BOB)).toContain('• rejected by <@U0CAROL003>'), { what: "bob's Home" });
    expect(homeButtons(CAROL, 'approval_reject')).toEqual([]);
    expect(realPatches(stack)).toHaveLength(1);
  });

  it('answers a Home press that is refused by a direct message (Home has no response_url)', async () => {
    const before = stack.sim.callsTo('chat.postMessage').length;
    const stale = stack.sim.workspace.homes.get(FRANK)!;
    // Frank's tab as it was before the 1.1.0 request was decided: a client that has not refreshed yet.
    stack.sim.workspace.homes.set(FRANK, {
      id: stale.id,
      view: {
        type: 'home',
        blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'approval_approve', value: approvalId }] }],
      },
    });
    await stack.slack.clickHome('frank', { actionId: 'approval_approve', value: approvalId });
    await eventually(() => {
      const dm = stack.sim.workspace.resolveChannel(FRANK)!.id;
      const answers = stack.sim
        .callsTo('chat.postMessage')
        .slice(before)
        .filter((call) => call.args.channel === dm);
      expect(answers.map((call) => String(call.args.text))).toEqual([
        'This request is already approved and running; nothing was changed.',
      ]);
    });
    stack.sim.workspace.homes.set(FRANK, stale);
    expect(realPatches(stack)).toHaveLength(1);
  });

  it('lists an open incident with a link to its channel once declared, and drops it once resolved', async () => {
    await stack.slack.command('dave', '/incident declare P2 Search is slow', { channel: 'general' });
    const { rows } = await eventually(
      async () => {
        const found = await stack.bot.pool.query<{ channel_id: string | null; setup: string }>(
          "SELECT channel_id, setup FROM incidents WHERE title = 'Search is slow'",
        );
        if (found.rows[0]?.setup !== 'done') throw new Error('set-up not done');
        return found;
      },
      { timeoutMs: 15_000, what: 'the declaration' },
    );
    const room = rows[0]!.channel_id!;
    await eventually(() => expect(home(CAROL)).toContain(`Search is slow (investigating) in <#${room}>`), {
      what: "the incident on carol's Home",
    });
    await stack.slack.command('dave', '/incident resolve fixed the index', { channel: room });
    await eventually(() => expect(home(CAROL)).not.toContain('Search is slow'), { what: 'the incident gone' });
  });

  it('coalesces many quick changes into few publishes per person', async () => {
    await eventually(async () => expect(await stack.bot.queues.queue('home-refresh').getDelayedCount()).toBe(0));
    await eventually(async () => expect(await stack.bot.queues.queue('home-refresh').getActiveCount()).toBe(0));
    const since = stack.sim.calls.at(-1)?.seq ?? 0;
    await Promise.all(Array.from({ length: 10 }, (_, index) => stack.bot.queues.refreshHomes(`burst-${index}`)));
    await eventually(() => expect(publishesTo(CAROL, since)).toBeGreaterThan(0), { what: "carol's Home refreshed" });
    await eventually(async () => {
      const queue = stack.bot.queues.queue('home-refresh');
      expect((await queue.getDelayedCount()) + (await queue.getActiveCount()) + (await queue.getWaitingCount())).toBe(
        0,
      );
    });
    for (const userId of [CAROL, DAVE, BOB, FRANK]) expect(publishesTo(userId, since)).toBeLessThanOrEqual(2);
  });
});
