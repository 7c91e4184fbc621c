import { modalView } from './blocks.ts';

export const RESTORE_MODAL = 'restore_modal';

// The form behind a Restore… button: the new target's name (never an existing one) and a reason.
export function restoreModal(backupId: string, database: string, channel: string): Record<string, unknown> {
  return modalView({
    callbackId: RESTORE_MODAL,
    metadata: { backupId, channel },
    title: 'Restore a backup',
    submit: 'Plan restore',
    close: 'Cancel',
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Restore \`${backupId}\` of *${database}* into a *new* target. An existing name is refused; production restores need approval.`,
        },
      },
      restoreTargetInput(database),
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value' },
      },
    ],
  });
}

// The new target's name: also asked by the break-glass form a Restore… press opens during a freeze.
export function restoreTargetInput(database: string): Record<string, unknown> {
  return {
    type: 'input',
    block_id: 'target',
    label: { type: 'plain_text', text: 'New instance or database name' },
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      placeholder: { type: 'plain_text', text: `${database}-restored` },
    },
  };
}
