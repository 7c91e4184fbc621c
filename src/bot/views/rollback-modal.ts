import type { ShownRollback } from '../../core/rollback-button.ts';
import { modalView } from './blocks.ts';

export const ROLLBACK_MODAL = 'incident_rollback_modal';

// What the form carries back on submit: where it was opened, and the ends it showed.
export type RollbackFormMeta = { service: string; env: string; channel: string; shown: ShownRollback };

// The incident card's Roll back, confirmed: Slack's confirm dialogs are static and cannot name
// versions, so the button opens this form with the rollback computed at the press. Slack limits a
// modal's title and buttons to 24 characters.
export function rollbackModal(meta: RollbackFormMeta): Record<string, unknown> {
  const { service, env } = meta;
  const after =
    `*Plan rollback* asks for the approvals ${env} needs and names both ends again before anything runs. ` +
    'If what runs or the last good release changes before you submit, ops-bot refuses and changes nothing.';
  return modalView({
    callbackId: ROLLBACK_MODAL,
    metadata: meta,
    title: 'Plan a rollback',
    submit: 'Plan rollback',
    close: 'Back',
    blocks: [
      {
        type: 'section',
        block_id: 'plan',
        text: { type: 'mrkdwn', text: `Roll back *${service}* in *${env}*:\n${meta.shown.summary}` },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: after }] },
    ],
  });
}
