import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { commandLabel, parseCommand, startsWork, type CommandRequest } from '../core/grammar/commands.ts';
import { vocabularyOf } from '../core/grammar/catalog-words.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { AckDeadline, beforeDeadline } from './budget.ts';
import { CommandAudit, type Acceptance } from './command-audit.ts';
import type { HandlerDeps } from './deps.ts';
import { requesterOf } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { onlyGiven } from './optional-fields.ts';
import { commandDeliveryKey, slashCommandPayload, type SlashCommandPayload } from './slack-payloads.ts';

export type CommandTurn = {
  request: CommandRequest;
  payload: SlashCommandPayload;
  deliveryKey: string;
  correlationId: string;
  // Shared by every step before the reply (pre-flight, audit write, enqueue).
  deadline: AckDeadline;
  // Writes this request's audit row. failClosed: throw (and so do nothing) when it cannot be written.
  accept(entry: Acceptance, options?: { failClosed?: boolean }): Promise<void>;
  envelope(): JobEnvelope;
};

export type CommandHandler = (turn: CommandTurn) => Promise<View | undefined>;

type Ack = SlackCommandMiddlewareArgs['ack'];

// One slash command as it arrived: what every step of answering it reads.
type Intake = {
  deps: HandlerDeps;
  payload: SlashCommandPayload;
  context: ReturnType<typeof currentContext>;
  correlationId: string;
  deliveryKey: string;
  receivedAt: Date;
  commandText: string;
  deadline: AckDeadline;
  audit: CommandAudit;
};

type Answer = { label: string; outcome: 'accepted' | 'refused' | 'error'; reply: View | undefined };

// Every slash command goes through here: parse, claim the delivery when it starts work (a retry then
// gets an empty ack), decide, audit, reply. One delivery never starts two things.
export function slashCommand(deps: HandlerDeps, handle: CommandHandler) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const context = currentContext();
    const parsed = slashCommandPayload.safeParse(command);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'slash command payload is not valid');
      deps.metrics.slackRequests.inc({ kind: 'command', name: 'invalid', outcome: 'refused' });
      await ack({ response_type: 'ephemeral', text: 'ops-bot could not read that request from Slack.' });
      return;
    }
    const intake = intakeOf(deps, parsed.data, context);
    const answer = await answerCommand(intake, handle, ack);
    if (!answer) return;
    deps.metrics.slackRequests.inc({ kind: 'command', name: answer.label, outcome: answer.outcome });
    await ack(answer.reply ? { response_type: 'ephemeral', ...answer.reply } : undefined);
    await intake.audit.writeAfterReply();
  };
}

function intakeOf(deps: HandlerDeps, payload: SlashCommandPayload, context: Intake['context']): Intake {
  const correlationId = context?.correlationId ?? 'none';
  if (context) context.label = payload.command;
  const receivedAt = deps.now();
  const commandText = `${payload.command} ${payload.text}`.trim();
  const deadline = new AckDeadline(context?.receivedAt);
  const origin = {
    at: receivedAt,
    actor: payload.user_id,
    team: payload.team_id,
    channel: payload.channel_id,
    command: commandText,
    correlationId,
  };
  const audit = new CommandAudit(deps, origin, deadline);
  const deliveryKey = commandDeliveryKey(payload);
  return { deps, payload, context, correlationId, deliveryKey, receivedAt, commandText, deadline, audit };
}

// The answer to send, or undefined when the delivery was a duplicate and has been acknowledged.
async function answerCommand(intake: Intake, handle: CommandHandler, ack: Ack): Promise<Answer | undefined> {
  const { deps, payload, context } = intake;
  let label = payload.command;
  let claimed: boolean | undefined;
  try {
    const request = parseCommand(payload.command, payload.text, vocabularyOf(deps.catalog));
    label = commandLabel(request);
    if (context) context.label = label;
    claimed = startsWork(request) ? await claimDelivery(deps, intake.deliveryKey, intake.correlationId) : undefined;
    if (claimed === false) {
      deps.logger.info({ command: payload.command }, 'duplicate delivery ignored');
      deps.metrics.slackRequests.inc({ kind: 'command', name: label, outcome: 'duplicate' });
      await ack();
      return undefined;
    }
    const reply = await answeredInTime(intake, handle(commandTurn(intake, request)));
    intake.audit.answered(actionOf(label));
    return { label, outcome: 'accepted', reply };
  } catch (error) {
    return failedAnswer(intake, label, claimed, error);
  }
}

// Whatever a handler still waits on when the deadline comes (a PostgreSQL read that hangs, a slow
// directory lookup), the person gets an answer in time. Nothing starts after it: once the deadline has
// passed the fail-closed audit write and every enqueue refuse (CommandAudit.accept, enqueueBefore).
async function answeredInTime(intake: Intake, work: Promise<View | undefined>): Promise<View | undefined> {
  return beforeDeadline(work, intake.deadline.remainingMs(), () => {
    intake.deps.logger.warn({ command: intake.commandText }, 'no answer within the ack deadline');
    return intake.audit.writtenFirst ? ACCEPTED_UNCONFIRMED : NOT_ANSWERED;
  });
}

const NOT_ANSWERED = new UserError(
  "ops-bot could not answer this within Slack's 3 seconds: PostgreSQL, Redis, the cluster or Slack is slow right now. Nothing was queued.",
  { hint: 'Try again in a minute; if it persists, tell the ops-bot owners.', code: 'ack_deadline' },
);

const ACCEPTED_UNCONFIRMED = new UserError(
  "ops-bot accepted this (it is in the audit log) but could not confirm it within Slack's 3 seconds.",
  { hint: '`/ops status` and the channel show what became of it.', code: 'ack_deadline_accepted' },
);

async function failedAnswer(
  intake: Intake,
  label: string,
  claimed: boolean | undefined,
  error: unknown,
): Promise<Answer> {
  const { deps } = intake;
  const outcome = error instanceof UserError ? 'refused' : 'error';
  const reply = viewOfError(error, intake.correlationId, deps.logger);
  const reason = error instanceof UserError ? error.message : 'internal error';
  intake.audit.failed(outcome, actionOf(label), reason);
  // Our own failure before anything started: a retry deserves a fresh chance.
  if (outcome === 'error' && claimed) await deps.ledger.release(intake.deliveryKey).catch(() => undefined);
  return { label, outcome, reply };
}

function commandTurn(intake: Intake, request: CommandRequest): CommandTurn {
  const { payload, deliveryKey, correlationId, receivedAt, commandText, deadline, audit } = intake;
  return {
    request,
    payload,
    deliveryKey,
    correlationId,
    deadline,
    accept: (entry, options) => audit.accept(entry, options),
    envelope: () => ({
      correlationId,
      command: commandText.slice(0, 2_100),
      requestedAt: receivedAt.toISOString(),
      channelId: payload.channel_id,
      requestedBy: requesterOf(payload.user_id, payload.team_id),
      ...onlyGiven({ responseUrl: payload.response_url }),
    }),
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
