import { type AuditEntry } from '../core/audit.ts';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { commandLabel, parseCommand, startsWork, type CommandRequest } from '../core/grammar/commands.ts';
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

const AUDIT_DOWN = new UserError(
  'ops-bot cannot write its audit log right now, so it will not start anything. Nothing was changed.',
  {
    hint: 'The audit database (PostgreSQL) is unreachable. Try again in a minute; if it persists, tell the ops-bot owners.',
    code: 'audit_unavailable',
  },
);

// Every slash command goes through here: parse, claim the delivery when it starts work (a retry then
// gets an empty ack), decide, audit, reply. One delivery never starts two things.
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

    const receivedAt = deps.now();
    const commandText = `${payload.command} ${payload.text}`.trim();
    // The audit row of a request that changes something is written before the change (fail closed);
    // every other row (read-only answers, refusals) is written right after the reply has gone, so
    // PostgreSQL's commit latency is not in front of Slack's 3-second deadline.
    let pending: AuditEntry | undefined;
    let audited = false;
    const entryFor = (decision: string, entry: Acceptance): AuditEntry => ({
      at: receivedAt,
      event: 'request',
      decision,
      actor: payload.user_id,
      team: payload.team_id,
      channel: payload.channel_id,
      command: commandText,
      correlationId,
      ...entry,
    });
    let reply: View | undefined;
    let outcome = 'accepted';
    let claimed: boolean | undefined;
    try {
      const request = parseCommand(payload.command, payload.text);
      label = commandLabel(request);
      if (context) context.label = label;
      claimed = startsWork(request) ? await claimDelivery(deps, deliveryKey, correlationId) : undefined;
      if (claimed === false) {
        deps.logger.info({ command: payload.command }, 'duplicate delivery ignored');
        deps.metrics.slackRequests.inc({ kind: 'command', name: label, outcome: 'duplicate' });
        await ack();
        return;
      }
      const turn: CommandTurn = {
        request,
        payload,
        deliveryKey,
        correlationId,
        accept: async (entry, options = {}) => {
          audited = true;
          if (!options.failClosed) {
            pending = entryFor('accepted', entry);
            return;
          }
          try {
            await deps.audit.record(entryFor('accepted', entry));
          } catch (error) {
            deps.logger.error({ err: error }, 'audit write failed');
            throw AUDIT_DOWN;
          }
        },
        envelope: () => ({
          correlationId,
          command: commandText.slice(0, 2_100),
          requestedAt: receivedAt.toISOString(),
          channelId: payload.channel_id,
          requestedBy: { userId: payload.user_id, ...(payload.team_id ? { teamId: payload.team_id } : {}) },
          ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
        }),
      };
      reply = await handle(turn);
      if (!audited) pending = entryFor('accepted', { action: actionOf(label) });
    } catch (error) {
      outcome = error instanceof UserError ? 'refused' : 'error';
      reply = viewOfError(error, correlationId, deps.logger);
      const reason = error instanceof UserError ? error.message : 'internal error';
      // Written already (fail closed) means the request was recorded as accepted: add what became of it.
      pending =
        !audited || pending
          ? entryFor(outcome === 'refused' ? 'refused' : 'failed', { action: actionOf(label), reason })
          : { ...entryFor('failed', { action: actionOf(label), reason }), event: 'result' };
      // Our own failure before anything started: a retry deserves a fresh chance.
      if (outcome === 'error' && claimed) await deps.ledger.release(deliveryKey).catch(() => undefined);
    }
    deps.metrics.slackRequests.inc({ kind: 'command', name: label, outcome });
    await ack(reply ? { response_type: 'ephemeral', ...reply } : undefined);
    if (!pending) return;
    // Node flushes a response on the next tick, after the promise chain it was ended in; yield to the
    // event loop first so the reply is on the wire before the audit row is logged and sent.
    await new Promise((resolve) => setImmediate(resolve));
    await deps.audit
      .record(pending)
      .catch((error: unknown) => deps.logger.error({ err: error, audit: pending }, 'audit write failed'));
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
