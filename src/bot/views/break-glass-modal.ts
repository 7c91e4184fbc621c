import type { FreezePeriod } from '../../core/freeze.ts';
import { esc } from '../../core/mrkdwn.ts';
import { utcDateTime } from '../../core/policy.ts';
import { slackDate, modalView } from './blocks.ts';

export const BREAK_GLASS_MODAL = 'break_glass_modal';
export const BREAK_GLASS_REASON = 'break_glass_reason';
export const BREAK_GLASS_MIN_REASON = 10;
// As --break-glass "…" on a command (reasonValue).
export const BREAK_GLASS_MAX_REASON = 500;

export type BreakGlassForm = {
  freeze: FreezePeriod;
  // What the button was for, in the words its own answer would use (mrkdwn, already escaped).
  what: string;
  // Who must approve on top of the usual approvers, as the catalog names them.
  approvers: string;
  // In an open incident's channel: the incident, offered as the reason.
  incident: string | undefined;
  // Inputs the change itself needs (the Restore… form's new target name), placed before the reason.
  inputs: Record<string, unknown>[];
  // The binding the submit handler re-dispatches from (JSON, parsed with zod on submit).
  metadata: string;
};

// A change button pressed during a freeze: Slack buttons cannot carry a --break-glass reason, so
// the press opens this form, which names the freeze and asks for one. Its end is a Slack date token,
// shown in the reader's own time zone. Slack limits a modal's title and buttons to 24 characters.
export function breakGlassModal(form: BreakGlassForm): Record<string, unknown> {
  const end = slackDate(form.freeze.end, '{date_short_pretty} {time}', utcDateTime(form.freeze.end));
  const frozen = `:snowflake: The freeze *${esc(form.freeze.name)}* is in force until ${end}.`;
  const after =
    `Submitting asks for the usual approvals plus the break-glass approvers (${form.approvers}); ` +
    'the change is marked BREAK-GLASS in the request and the audit log. Nothing runs before then.';
  return modalView({
    callbackId: BREAK_GLASS_MODAL,
    metadata: form.metadata,
    title: 'Break the freeze?',
    submit: 'Request break-glass',
    close: 'Cancel',
    blocks: [
      { type: 'section', block_id: 'freeze', text: { type: 'mrkdwn', text: frozen } },
      { type: 'section', block_id: 'change', text: { type: 'mrkdwn', text: form.what } },
      ...form.inputs,
      reasonInput(form.incident),
      { type: 'context', elements: [{ type: 'mrkdwn', text: after }] },
    ],
  });
}

function reasonInput(incident: string | undefined): Record<string, unknown> {
  const hint = incident
    ? 'Offered from the open incident in this channel; say more if it helps the approvers.'
    : `Why this cannot wait for the freeze to end (at least ${BREAK_GLASS_MIN_REASON} characters).`;
  return {
    type: 'input',
    block_id: BREAK_GLASS_REASON,
    label: { type: 'plain_text', text: 'Break-glass reason' },
    hint: { type: 'plain_text', text: hint },
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      min_length: BREAK_GLASS_MIN_REASON,
      max_length: BREAK_GLASS_MAX_REASON,
      ...(incident ? { initial_value: incident } : {}),
    },
  };
}
