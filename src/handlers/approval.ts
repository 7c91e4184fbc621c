import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { userErrorView } from '../bot/views/errors.ts';
import { holdsRole } from '../core/roles.ts';
import type { Channel } from '../core/approval.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionHandler } from './action-intake.ts';
import { answerView, decideFor, loadApproval as load } from './approval-decisions.ts';
import type { HandlerDeps } from './deps.ts';
import { openRejectForm } from './reject-form.ts';

// Approve / Reject / Cancel, by button or by ✅ / ❌ reaction: both become the same ApprovalEvent and
// go through the same atomic transition (jobs/approval-effects.ts → adapters/approval-store.ts). The
// Reject button first opens a form for a reason (handlers/reject-form.ts); ❌ rejects without one.
const APPROVE_REACTIONS = new Set(['white_check_mark', 'heavy_check_mark']);
const REJECT_REACTIONS = new Set(['x']);

export function approvalButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  const via: Channel = 'button';
  return {
    approval_approve: async ({ payload, action }) =>
      answerView(
        await decideFor(deps, await load(deps, action.value), payload.user.id, (actor, at) => ({
          type: 'approve',
          actor,
          via,
          at,
        })),
      ),
    approval_reject: async (turn) => openRejectForm(deps, turn),
    approval_cancel: async ({ payload, action }) =>
      answerView(
        await decideFor(deps, await load(deps, action.value), payload.user.id, (actor, at) => ({
          type: 'cancel',
          actor,
          isAdmin: holdsRole(actor, deps.catalog.roles, 'admin'),
          at,
        })),
      ),
  };
}

const reactionEvent = z.object({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: z.string().min(1),
  reaction: z.string().min(1),
  item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
});

// A request's message ts is stored just after Slack returns it; a reaction can arrive in between.
const LOOKUP_TRIES = 10;
const LOOKUP_PAUSE_MS = 100;

async function approvalOfMessage(deps: HandlerDeps, channel: string, ts: string): Promise<string | undefined> {
  for (let attempt = 1; attempt <= LOOKUP_TRIES; attempt += 1) {
    const id = await deps.approvals.findByMessage(channel, ts);
    if (id) return id;
    // Messages older than a few seconds are settled: no need to wait for them.
    if (Date.now() / 1000 - Number(ts) > 5) return undefined;
    await new Promise((resolve) => setTimeout(resolve, LOOKUP_PAUSE_MS));
  }
  return undefined;
}

// Reactions on an approval request message (or its mirror). Anything else is not ops-bot's business.
export function reactionChanged(deps: HandlerDeps) {
  return async ({
    event,
    body,
  }: SlackEventMiddlewareArgs<'reaction_added' | 'reaction_removed'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = reactionEvent.safeParse(event);
    if (!parsed.success || parsed.data.item.type !== 'message' || !parsed.data.item.channel || !parsed.data.item.ts)
      return;
    const { user, reaction, item } = parsed.data;
    const added = parsed.data.type === 'reaction_added';
    const approve = APPROVE_REACTIONS.has(reaction);
    if (!approve && !(added && REJECT_REACTIONS.has(reaction))) return;
    const eventId = z.object({ event_id: z.string() }).safeParse(body);
    if (eventId.success && !(await deps.ledger.claim(`event:${eventId.data.event_id}`, 'reaction').catch(() => true)))
      return;
    const id = await approvalOfMessage(deps, item.channel!, item.ts!);
    if (!id) return;
    try {
      const record = await load(deps, id);
      const answer = await decideFor(deps, record, user, (actor, at) =>
        approve
          ? { type: added ? 'approve' : 'withdraw', actor, via: 'reaction', at }
          : { type: 'reject', actor, via: 'reaction', at },
      );
      if (!answer.accepted)
        await deps.slack
          .postEphemeral(item.channel!, user, userErrorView(answer.message, undefined))
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not answer the reaction'));
    } catch (error) {
      const message =
        error instanceof UserError
          ? error.message
          : 'ops-bot could not record your reaction; nothing was changed. Try the buttons.';
      deps.logger.error({ err: error }, 'reaction on an approval request failed');
      await deps.slack.postEphemeral(item.channel!, user, userErrorView(message, undefined)).catch(() => undefined);
    }
  };
}
