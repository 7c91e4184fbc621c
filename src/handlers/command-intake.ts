import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { currentContext } from '../adapters/log.ts';
import type { AuditEntry } from '../adapters/audit-store.ts';
import type { View } from '../bot/views/blocks.ts';
import { commandLabel, parseCommand, type CommandRequest } from '../core/grammar/commands.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { HandlerDeps } from './deps.ts';
import { viewOfError } from './error-boundary.ts';
import { commandDeliveryKey, slashCommandPayload, type SlashCommandPayload } from './slack-payloads.ts';

type Acceptance = Omit<AuditEntry, 'event' | 'decision' | 'actor' | 'correlationId' | 'team' | 'channel' | 'command'>;

export type CommandTurn = {
  request: CommandRequest;
  payload: SlashCommandPayload;
  deliveryKey: string;
  correlationId: string;
  // Writes this request's audit row. failClosed: throw (and so do nothing) when it cannot be written.
  accept(entry: Acceptance, options?: { failClosed?: boolean }): Promise<void>;
  envelope(): JobEnvelope;
};

export type CommandHandler = (turn: CommandTurn) => Promise<View | undefined>;

const AUDIT_DOWN = new UserError('ops-bot cannot write its audit log right now, so it will not start anything. Nothing was changed.', {
  hint: 'The audit database (PostgreSQL) is unreachable. Try again in a minute; if it persists, tell the ops-bot owners.',
  code: 'audit_unavailable',
});

// Every slash command goes through here: one delivery → at most one outcome, one audit row, one reply.
export function slashCommand(deps: HandlerDeps, handle: CommandHandler) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const context = currentContext();
    const correlationId = context?.correlationId ?? 'none';
    const parsed = slashCommandPayload.safeParse(command);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'slash command payload is not valid');
      deps.metrics.slackRequests.inc({ kind: 'command', name: 'invalid', outcome: 'refused' });
      await ack({ response_type: 'ephemeral', text: 'ops-bot could not read that request from Slack.' });
      return;
    }
    const payload = parsed.data;
    const deliveryKey = commandDeliveryKey(payload);
    let label = payload.command;
    if (context) context.label = label;

    if ((await claimDelivery(deps, deliveryKey, correlationId)) === false) {
      deps.logger.info({ command: payload.command }, 'duplicate delivery ignored');
      deps.metrics.slackRequests.inc({ kind: 'command', name: label, outcome: 'duplicate' });
      await ack();
      return;
    }

    let audited = false;
    const commandText = `${payload.command} ${payload.text}`.trim();
    const record = async (decision: string, entry: Acceptance) => {
      audited = true;
      await deps.audit.record({ event: 'request', decision, actor: payload.user_id, team: payload.team_id, channel: payload.channel_id, command: commandText, correlationId, ...entry });
    };
    let reply: View | undefined;
    let outcome = 'accepted';
    try {
      const request = parseCommand(payload.command, payload.text);
      label = commandLabel(request);
      if (context) context.label = label;
      const turn: CommandTurn = {
        request, payload, deliveryKey, correlationId,
        accept: async (entry, options = {}) => {
          try {
            await record('accepted', entry);
          } catch (error) {
            deps.logger.error({ err: error }, 'audit write failed');
            if (options.failClosed) throw AUDIT_DOWN;
          }
        },
        envelope: () => ({
          correlationId, command: commandText.slice(0, 2_100), requestedAt: deps.now().toISOString(), channelId: payload.channel_id,
          requestedBy: { userId: payload.user_id, ...(payload.team_id ? { teamId: payload.team_id } : {}) },
          ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
        }),
      };
      reply = await handle(turn);
      if (!audited) await record('accepted', { action: actionOf(label) }).catch((error: unknown) => deps.logger.error({ err: error }, 'audit write failed'));
    } catch (error) {
      outcome = error instanceof UserError ? 'refused' : 'error';
      reply = viewOfError(error, correlationId, deps.logger);
      if (!audited) {
        const reason = error instanceof UserError ? error.message : 'internal error';
        await record(outcome === 'refused' ? 'refused' : 'failed', { action: actionOf(label), reason }).catch((auditError: unknown) => deps.logger.error({ err: auditError }, 'audit write failed'));
      }
      // Our own failure before anything started: a retry deserves a fresh chance.
      if (outcome === 'error') await deps.ledger.release(deliveryKey).catch(() => undefined);
    }
    deps.metrics.slackRequests.inc({ kind: 'command', name: label, outcome });
    await ack(reply ? { response_type: 'ephemeral', ...reply } : undefined);
  };
}

// Redis down: there is no ledger to consult. Read-only commands still answer; anything that enqueues
// fails on its own when it cannot reach the queue.
async function claimDelivery(deps: HandlerDeps, deliveryKey: string, owner: string): Promise<boolean | undefined> {
  try {
    return await deps.ledger.claim(deliveryKey, owner);
  } catch (error) {
    deps.logger.warn({ err: error }, 'delivery ledger unavailable');
    return undefined;
  }
}

function actionOf(label: string): string {
  return label.replace(/^\//, '').replace(/\s+/g, '.');
}
