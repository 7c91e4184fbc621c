import type { App } from '@slack/bolt';
import type { CommandName } from '../core/grammar/usage.ts';
import { blockActions, type ActionHandler } from './action-intake.ts';
import { slashCommand, type CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { notYetEnabledCommand, opsCommand } from './ops.ts';

// The routing table: every Slack interaction ops-bot answers, grouped by kind. manifest.yml lists
// the same slash commands (test/unit/manifest.test.ts checks both directions).
function commandHandlers(deps: HandlerDeps): Record<CommandName, CommandHandler> {
  return {
    ops: opsCommand(deps),
    deploy: notYetEnabledCommand(),
    rollback: notYetEnabledCommand(),
    backup: notYetEnabledCommand(),
    restore: notYetEnabledCommand(),
    incident: notYetEnabledCommand(),
  };
}

// Buttons by action_id; anything not listed is answered as no longer handled.
function actionHandlers(): Record<string, ActionHandler> {
  return {};
}

export function registerHandlers(app: App, deps: HandlerDeps): string[] {
  const commands = Object.entries(commandHandlers(deps)).map(([name, handler]) => {
    app.command(`/${name}`, slashCommand(deps, handler));
    return `/${name}`;
  });
  // actions
  app.action(/.*/, blockActions(deps, actionHandlers()));
  // views: modals arrive with incidents; until then a submission is acknowledged and closes the modal.
  app.view(/.*/, async ({ ack }) => {
    await ack();
  });
  // events (reactions) arrive with approvals; Bolt acknowledges events itself.
  return commands;
}
