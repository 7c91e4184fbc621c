import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { platformErrorCode } from '../adapters/slack.ts';
import type { View } from '../bot/views/blocks.ts';
import {
  REJECT_MODAL,
  REJECT_REASON_BLOCK,
  REJECT_REASON_MAX,
  rejectModal,
  type RejectFormMeta,
} from '../bot/views/reject-modal.ts';
import { decide, type ApprovalEvent } from '../core/approval.ts';
import type { Identity } from '../core/people.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionTurn } from './action-intake.ts';
import { actorOf, answerView, decideFor, loadApproval } from './approval-decisions.ts';
import type { HandlerDeps } from './deps.ts';
import { buttonChannel } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { formMetadata } from './form-metadata.ts';
import { checkBeforeForm, openForm } from './form-trigger.ts';
import { recordRefusal } from './request-audit.ts';

function rejectEvent(actor: Identity, at: Date, reason?: string): ApprovalEvent {
  return { type: 'reject', actor, via: 'button', at, ...(reason ? { reason } : {}) };
}

// The Reject button: the form opens only for a press that could reject. A press that would be refused
// (the requester, a non-approver, a request already decided or expired) goes through the transition
// as before the form existed, so it is refused and audited exactly as it was.
export async function openRejectForm(deps: HandlerDeps, turn: ActionTurn): Promise<View | undefined> {
  try {
    return await pressReject(deps, turn);
  } catch (error) {
    throw tooLateToReject(error);
  }
}

async function pressReject(deps: HandlerDeps, { payload, action, triggerDeadline }: ActionTurn) {
  const userId = payload.user.id;
  const checks = (async () => {
    const record = await loadApproval(deps, action.value);
    const actor = await actorOf(deps, record, userId);
    return { record, verdict: decide(record.request, rejectEvent(actor, deps.now())) };
  })();
  const { record, verdict } = await checkBeforeForm(triggerDeadline, checks);
  if (!verdict.answer.accepted) return answerView(await decideFor(deps, record, userId, rejectEvent));
  const meta: RejectFormMeta = { approvalId: record.request.id, channel: buttonChannel(payload) ?? record.channel };
  const noTrigger = new UserError('Slack did not send what is needed to open the Reject form. Nothing was rejected.', {
    hint: 'React :x: to the request to reject it without a reason.',
    code: 'no_trigger',
  });
  return openForm(deps, triggerDeadline, payload.trigger_id, rejectModal(meta, record.plan), noTrigger);
}

// The form is the confirmation the button used to ask for, so a press that cannot open it in time
// rejects nothing: rejecting on the press alone would make a mis-click final. ❌ needs no form.
function tooLateToReject(error: unknown): unknown {
  const late =
    (error instanceof UserError && error.code === 'form_too_late') || platformErrorCode(error) === 'expired_trigger_id';
  if (!late) return error;
  return new UserError(
    'ops-bot could not open the Reject form in time (Slack allows 3 seconds). Nothing was rejected; the request still waits.',
    { hint: 'Press Reject again, or react :x: to the request to reject it without a reason.', code: 'form_too_late' },
  );
}

const submission = z.object({
  user: z.object({ id: z.string().min(1) }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({
      values: z.object({
        [REJECT_REASON_BLOCK]: z.object({ value: z.object({ value: z.string().nullish() }) }).optional(),
      }),
    }),
  }),
});
const formMeta = z.object({ approvalId: z.string().min(1), channel: z.string().min(1) });
// One line on the request message: runs of whitespace (newlines included) become one space.
const reasonText = z
  .string()
  .nullish()
  .transform((text) => (text ?? '').replace(/\s+/g, ' ').trim())
  .pipe(z.string().max(REJECT_REASON_MAX));

type Ack = SlackViewMiddlewareArgs['ack'];

// Submitted: a form that no longer says what it rejects, or a reason too long, is answered next to the
// field; otherwise the form closes and the rejection goes through the same transition as any other,
// so a request decided, expired or superseded meanwhile is refused and changes nothing.
export function rejectSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = submission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const meta = formMetadata(formMeta, parsed.data.view.private_metadata);
    if (!meta) return refuseInPlace(ack, 'This form no longer says which request it rejects; nothing was changed.');
    const reason = reasonText.safeParse(parsed.data.view.state.values[REJECT_REASON_BLOCK]?.value.value);
    if (!reason.success) return refuseInPlace(ack, `Keep the reason to ${REJECT_REASON_MAX} characters.`);
    await ack();
    await rejectWithReason(deps, parsed.data.user.id, meta, reason.data || undefined);
  };
}

async function refuseInPlace(ack: Ack, message: string): Promise<void> {
  await ack({ response_action: 'errors', errors: { [REJECT_REASON_BLOCK]: message } });
}

// Acked already: the answer goes to the person privately in the channel they pressed Reject in.
async function rejectWithReason(deps: HandlerDeps, userId: string, meta: RejectFormMeta, reason: string | undefined) {
  const correlationId = currentContext()?.correlationId ?? 'none';
  let answer: View;
  try {
    const record = await loadApproval(deps, meta.approvalId);
    answer = answerView(await decideFor(deps, record, userId, (actor, at) => rejectEvent(actor, at, reason)));
  } catch (error) {
    answer = viewOfError(error, correlationId, deps.logger);
    const asker = { actor: userId, correlationId, channel: meta.channel, command: `form reject ${meta.approvalId}` };
    await recordRefusal(deps, asker, REJECT_MODAL, error);
  }
  await deps.slack
    .postEphemeral(meta.channel, userId, answer)
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not answer the Reject form'));
}
