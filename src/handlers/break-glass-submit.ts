import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import {
  BREAK_GLASS_MAX_REASON,
  BREAK_GLASS_MIN_REASON,
  BREAK_GLASS_MODAL,
  BREAK_GLASS_REASON,
} from '../bot/views/break-glass-modal.ts';
import { nameValue } from '../core/grammar/values.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { replyToRequester } from '../jobs/reply.ts';
import { incidentOfChannel, breakGlassBinding, type BreakGlassBinding } from './break-glass.ts';
import { AFTER_ACK_MS, AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { requesterOf } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { formMetadata } from './form-metadata.ts';
import { requestPromotion } from './promote-button.ts';
import { acceptAs, recordRefusal, type AcceptEntry, type Asker } from './request-audit.ts';
import { requestRestore } from './restore.ts';
import { toOf } from './rollback-buttons.ts';
import { requestRollback, type Requester } from './rollback.ts';

const field = z.object({ value: z.object({ value: z.string().nullish() }) }).optional();
const submission = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({
    id: z.string(),
    private_metadata: z.string(),
    state: z.object({ values: z.object({ [BREAK_GLASS_REASON]: field, target: field }) }),
  }),
});

// What the form asked, checked: the reason, and the new target a restore needs.
type Answers = { binding: BreakGlassBinding; reason: string; target: string | undefined };
type Errors = { errors: Record<string, string> };

function answersOf(form: z.output<typeof submission>['view']): Answers | Errors {
  const binding = formMetadata(breakGlassBinding, form.private_metadata);
  if (!binding) return { errors: { [BREAK_GLASS_REASON]: LOST } };
  const reason = (form.state.values[BREAK_GLASS_REASON]?.value.value ?? '').trim();
  if (reason.length < BREAK_GLASS_MIN_REASON) return { errors: { [BREAK_GLASS_REASON]: TOO_SHORT } };
  if (reason.length > BREAK_GLASS_MAX_REASON) return { errors: { [BREAK_GLASS_REASON]: TOO_LONG } };
  if (binding.kind !== 'restore') return { binding, reason, target: undefined };
  const target = nameValue('target').safeParse((form.state.values.target?.value.value ?? '').trim());
  if (!target.success) return { errors: { target: BAD_NAME } };
  return { binding, reason, target: target.data };
}

const LOST = 'This form no longer says what it was for; nothing was changed. Press the button again.';
const TOO_SHORT = `Say why this cannot wait, in at least ${BREAK_GLASS_MIN_REASON} characters: the approvers and the audit log read it.`;
const TOO_LONG = `Keep the reason to ${BREAK_GLASS_MAX_REASON} characters; details can go in the incident or a thread.`;
const BAD_NAME = 'Use lowercase letters, digits and hyphens, starting with a letter.';

// The break-glass form, submitted: a short reason or a bad name is shown in the form; otherwise it
// is closed and the change the button was for is requested through its own path, with the reason as
// --break-glass would carry it. The answer goes to the person privately in the button's channel.
export function breakGlassSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = submission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const answers = answersOf(parsed.data.view);
    if ('errors' in answers) return void (await ack({ response_action: 'errors', errors: answers.errors }));
    await ack();
    const { user, view: modal } = parsed.data;
    const correlationId = currentContext()?.correlationId ?? 'none';
    const asker: Asker = {
      actor: user.id,
      correlationId,
      channel: answers.binding.channel || undefined,
      command: commandOf(answers),
      target: targetOf(answers.binding),
    };
    const envelope: JobEnvelope = {
      correlationId,
      command: asker.command ?? 'form break-glass',
      requestedAt: deps.now().toISOString(),
      requestedBy: requesterOf(user.id, user.team_id),
      ...(answers.binding.channel ? { channelId: answers.binding.channel } : {}),
    };
    let answer: View;
    try {
      answer = await dispatch(deps, answers, { envelope, deliveryKey: `view:${modal.id}`, asker });
    } catch (error) {
      answer = viewOfError(error, correlationId, deps.logger);
      await recordRefusal(deps, asker, BREAK_GLASS_MODAL, error);
    }
    await replyToRequester(deps.slack, envelope, answer).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not answer the break-glass form'),
    );
  };
}

function commandOf({ binding, target }: Answers): string {
  if (binding.kind === 'rollback') return binding.command;
  if (binding.kind === 'restore') return `form restore ${binding.backupId} to ${target ?? ''}`;
  const { service, version, env, to } = binding.button;
  return `form promote ${service} ${version} from ${env} to ${to}`;
}

type Submitted = { envelope: JobEnvelope; deliveryKey: string; asker: Asker };

// Back to the change's own request path, where the gate sees the reason as it sees --break-glass.
async function dispatch(deps: HandlerDeps, answers: Answers, submitted: Submitted): Promise<View> {
  const { binding, reason: breakGlass } = answers;
  const { envelope, deliveryKey } = submitted;
  // Acked already: the answer goes to the channel privately, with no 3-second limit.
  const deadline = new AckDeadline(performance.now(), AFTER_ACK_MS);
  const accept = await acceptLinked(deps, submitted.asker, binding.channel);
  const requester: Requester = { envelope, deliveryKey, deadline, accept: (entry) => accept(entry) };
  if (binding.kind === 'promote') return requestPromotion(deps, binding.button, { ...requester, breakGlass });
  if (binding.kind === 'restore') {
    const ask = { backupId: binding.backupId, target: answers.target ?? '', breakGlass, deadline };
    return requestRestore(deps, ask, envelope, deliveryKey, accept);
  }
  const { service, env, bound, shown, reason } = binding;
  const rollback = {
    service,
    env,
    reason,
    breakGlass,
    ...(bound ? { bound, to: toOf(bound) } : {}),
    ...(shown ? { shown } : {}),
  };
  return requestRollback(deps, rollback, requester);
}

// The accepted row, linked to the open incident of the channel the button was pressed in.
async function acceptLinked(
  deps: HandlerDeps,
  asker: Asker,
  channel: string,
): Promise<(entry: AcceptEntry) => Promise<void>> {
  const accept = acceptAs(deps, asker);
  const incident = await incidentOfChannel(deps, channel).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'could not read the incident of the channel for a break-glass request');
    return undefined;
  });
  if (!incident) return accept;
  const link = { id: incident.id, channel, severity: incident.severity, title: incident.title };
  return (entry) => accept({ ...entry, details: { ...entry.details, incident: link } });
}

// What the form was for, as the audit log names targets (the restore's target is named at submit).
function targetOf(binding: BreakGlassBinding): string | undefined {
  if (binding.kind === 'rollback') return `${binding.service}/${binding.env}`;
  if (binding.kind === 'promote') return `${binding.button.service}/${binding.button.to}`;
  return undefined;
}
