import type { App } from '@slack/bolt';
import type { CommandName } from '../core/grammar/usage.ts';
import { blockActions, type ActionHandler } from './action-intake.ts';
import { slashCommand, type CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { approvalButtons, reactionChanged } from './approval.ts';
import { backupCommand } from './backup.ts';
import { backupButtons } from './backup-buttons.ts';
import { deployCommand } from './deploy.ts';
import { deployButtons } from './deploy-buttons.ts';
import { opsCommand } from './ops.ts';
import { incidentCommand } from './incident-command.ts';
import { incidentButtons } from './incident-buttons.ts';
import { pinReaction } from './incident-pins.ts';
import { incidentSubmitted } from './incident-forms.ts';
import { INCIDENT_MODALS } from '../bot/views/incident-modals.ts';
import { RESTORE_MODAL } from '../bot/views/restore-modal.ts';
import { restoreCommand } from './restore.ts';
import { restoreSubmitted } from './restore-form.ts';
import { rollbackCommand } from './rollback.ts';
import { rollbackButtons } from './rollback-buttons.ts';
import { cardRollbackSubmitted } from './incident-rollback.ts';
import { ROLLBACK_MODAL } from '../bot/views/rollback-modal.ts';
import { promoteButtons } from './promote-button.ts';
import { REJECT_MODAL } from '../bot/views/reject-modal.ts';
import { rejectSubmitted } from './reject-form.ts';
import { appHomeOpened } from './home.ts';
import { breakGlassSubmitted } from './break-glass-submit.ts';
import { BREAK_GLASS_MODAL } from '../bot/views/break-glass-modal.ts';

// The routing table: every Slack interaction ops-bot answers, grouped by kind. manifest.yml lists
// the same slash commands (test/unit/manifest.test.ts checks both directions).
function commandHandlers(deps: HandlerDeps): Record<CommandName, CommandHandler> {
  return {
    ops: opsCommand(deps),
    deploy: deployCommand(deps),
    rollback: rollbackCommand(deps),
    backup: backupCommand(deps),
    restore: restoreCommand(deps),
    incident: incidentCommand(deps),
  };
}

// Buttons by action_id; anything not listed is answered as no longer handled.
function actionHandlers(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    ...approvalButtons(deps),
    ...deployButtons(deps),
    ...rollbackButtons(deps),
    ...backupButtons(deps),
    ...incidentButtons(deps),
    ...promoteButtons(deps),
  };
}

export function registerHandlers(app: App, deps: HandlerDeps): string[] {
  const commands = Object.entries(commandHandlers(deps)).map(([name, handler]) => {
    app.command(`/${name}`, slashCommand(deps, handler));
    return `/${name}`;
  });
  // actions
  app.action(/.*/, blockActions(deps, actionHandlers(deps)));
  // views (modal submissions), by callback_id; an unknown one is acknowledged and closes
  app.view(RESTORE_MODAL, restoreSubmitted(deps));
  app.view(ROLLBACK_MODAL, cardRollbackSubmitted(deps));
  app.view(REJECT_MODAL, rejectSubmitted(deps));
  const incidentForms = incidentSubmitted(deps);
  for (const callbackId of INCIDENT_MODALS) app.view(callbackId, incidentForms);
  app.view(BREAK_GLASS_MODAL, breakGlassSubmitted(deps));
  const known = new Set([RESTORE_MODAL, ROLLBACK_MODAL, REJECT_MODAL, ...INCIDENT_MODALS, BREAK_GLASS_MODAL]);
  app.view({ callback_id: /.*/ }, async ({ ack, body }) => {
    if (!known.has(body.view.callback_id)) await ack();
  });
  // events (Bolt acknowledges events itself, before these run)
  app.event('reaction_added', reactionChanged(deps));
  app.event('reaction_added', pinReaction(deps));
  app.event('reaction_removed', reactionChanged(deps));
  app.event('app_home_opened', appHomeOpened(deps));
  return commands;
}
