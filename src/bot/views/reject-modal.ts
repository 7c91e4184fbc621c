import { planSummary, type Plan } from '../../core/plan.ts';
import { code, modalView } from './blocks.ts';

export const REJECT_MODAL = 'approval_reject_modal';
export const REJECT_REASON_BLOCK = 'reason';
// Enough for a sentence or two; the reason is shown on the request message, where more would crowd it.
export const REJECT_REASON_MAX = 500;

// What the form carries back on submit: the request it rejects and the channel the button was pressed in.
export type RejectFormMeta = { approvalId: string; channel: string };

// The Reject button's form: it replaces Slack's static confirm dialog (the form is the confirmation)
// and asks for an optional reason. Slack limits a modal's title and buttons to 24 characters.
export function rejectModal(meta: RejectFormMeta, plan: Plan): Record<string, unknown> {
  return modalView({
    callbackId: REJECT_MODAL,
    metadata: meta,
    title: 'Reject this change',
    submit: 'Reject',
    close: 'Back',
    blocks: [
      {
        type: 'section',
        block_id: 'plan',
        text: {
          type: 'mrkdwn',
          text: `Reject request ${code(meta.approvalId)}? Nothing of it will run:\n${code(planSummary(plan))}`,
        },
      },
      {
        type: 'input',
        block_id: REJECT_REASON_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Reason (shown on the request)' },
        element: { type: 'plain_text_input', action_id: 'value', max_length: REJECT_REASON_MAX },
      },
    ],
  });
}
