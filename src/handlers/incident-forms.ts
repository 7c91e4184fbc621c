import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { DECLARE_MODAL, RESOLVE_MODAL, SEVERITY_MODAL, UPDATE_MODAL } from '../bot/views/incident-modals.ts';
import { TITLE_MAX } from '../core/grammar/commands.ts';
import { SEVERITIES } from '../core/grammar/values.ts';
import type { IncidentEvent } from '../core/incident-events.ts';
import { INCIDENT_STATUSES } from '../core/incident.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { replyToRequester } from '../jobs/reply.ts';
import { AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { requesterOf } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { formMetadata } from './form-metadata.ts';
import { readRecordWithin } from './record-reads.ts';
import { declareIncident } from './incident.ts';
import { changeIncident } from './incident-change.ts';
import { onlyGiven } from './optional-fields.ts';
import { acceptAs, recordRefusal, type Asker } from './request-audit.ts';

const value = z.object({ value: z.string().nullish() });
const selected = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
const multi = z.object({ selected_options: z.array(z.object({ value: z.string() })).nullish() });
const submission = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({
    id: z.string(),
    callback_id: z.string(),
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  }),
});

type Submission = z.output<typeof submission>;

function field<T extends z.ZodType>(sub: Submission, block: string, schema: T): z.output<T> | undefined {
  const parsed = schema.safeParse(sub.view.state.values[block]?.value);
  return parsed.success ? parsed.data : undefined;
}

const formMeta = z.object({ channel: z.string().optional(), incidentId: z.string().optional() });

type Ack = SlackViewMiddlewareArgs['ack'];

// One submitted form, and the channel its outcome goes to: the one it was opened in, or, once the
// form turns out to be about an incident, that incident's channel.
type Form = {
  sub: Submission;
  meta: z.output<typeof formMeta> | undefined;
  userId: string;
  correlationId: string;
  channel: string | undefined;
};

// The incident forms. A bad field is shown next to it (response_action: errors); the outcome goes
// to the person privately in the channel, or by DM when they are not in it.
export function incidentSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = submission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const form = formOf(parsed.data);
    const callbackId = form.sub.view.callback_id;
    let answer: View | undefined;
    try {
      answer =
        callbackId === DECLARE_MODAL ? await declareSubmitted(deps, form, ack) : await changeSubmitted(deps, form, ack);
    } catch (error) {
      answer = viewOfError(error, form.correlationId, deps.logger);
      await recordRefusal(deps, askerOf(form, `form ${callbackId}`), callbackId, error);
    }
    if (answer) await answerPrivately(deps, form, answer);
  };
}

function formOf(sub: Submission): Form {
  const meta = formMetadata(formMeta, sub.view.private_metadata);
  return {
    sub,
    meta,
    userId: sub.user.id,
    correlationId: currentContext()?.correlationId ?? 'none',
    channel: meta?.channel,
  };
}

function askerOf(form: Form, command: string | undefined): Asker {
  return { actor: form.userId, correlationId: form.correlationId, channel: form.channel, command };
}

async function declareSubmitted(deps: HandlerDeps, form: Form, ack: Ack): Promise<View | undefined> {
  const { sub, userId, correlationId } = form;
  const title = (field(sub, 'title', value)?.value ?? '').trim();
  const severity = field(sub, 'severity', selected)?.selected_option?.value;
  const titleProblem = titleError(title);
  if (titleProblem) return void (await ack({ response_action: 'errors', errors: { title: titleProblem } }));
  const level = z.enum(SEVERITIES).safeParse(severity);
  if (!level.success)
    return void (await ack({ response_action: 'errors', errors: { severity: 'Choose a severity.' } }));
  await ack();
  const services = (field(sub, 'services', multi)?.selected_options ?? []).map((option) => option.value);
  const description = field(sub, 'description', value)?.value?.trim() || undefined;
  const envelope: JobEnvelope = {
    correlationId,
    command: `form declare ${level.data} ${title}`,
    requestedAt: deps.now().toISOString(),
    requestedBy: requesterOf(userId, sub.user.team_id),
    ...onlyGiven({ channelId: form.channel }),
  };
  const ask = { severity: level.data, title, services, description };
  const accept = acceptAs(deps, askerOf(form, envelope.command));
  return declareIncident(deps, ask, envelope, `view:${sub.view.id}`, accept, { force: false });
}

function titleError(title: string): string | undefined {
  if (title.length === 0) return 'Give the incident a title.';
  if (title.length > TITLE_MAX) return `Keep the title under ${TITLE_MAX} characters; put details in the description.`;
  return undefined;
}

// The block a refusal of the whole form is shown under, so the form stays open with what was typed.
const MAIN_BLOCK: Record<string, string> = {
  [SEVERITY_MODAL]: 'severity',
  [UPDATE_MODAL]: 'text',
  [RESOLVE_MODAL]: 'summary',
};

// The incident is read before the ack (the form is refused in place when it cannot be): within the
// 3 seconds Slack gives a view_submission, counted from the request's arrival.
async function changeSubmitted(deps: HandlerDeps, form: Form, ack: Ack): Promise<View | undefined> {
  const block = MAIN_BLOCK[form.sub.view.callback_id] ?? 'severity';
  const refuse = (text: string) => ack({ response_action: 'errors', errors: { [block]: text } });
  const incidentId = form.meta?.incidentId;
  if (!incidentId)
    return void (await refuse('This form no longer says which incident it is about; nothing was changed.'));
  const deadline = new AckDeadline(currentContext()?.receivedAt);
  const record = await readRecordWithin(deps.incidents.get(incidentId), deadline.share(), deps.logger).catch(
    async (error: unknown) => {
      await refuse(error instanceof UserError ? error.message : String(error));
      return null;
    },
  );
  if (record === null) return undefined;
  if (!record) return void (await refuse('ops-bot does not know this incident any more; nothing was changed.'));
  form.channel = record.channelId;
  const event = eventOf(form.sub, form.userId);
  if ('error' in event) return void (await ack({ response_action: 'errors', errors: { [event.block]: event.error } }));
  await ack();
  return changeIncident(deps, record, event, form.correlationId);
}

async function answerPrivately(deps: HandlerDeps, form: Form, answer: View): Promise<void> {
  const requester = {
    correlationId: form.correlationId,
    requestedAt: deps.now().toISOString(),
    requestedBy: { userId: form.userId },
    ...onlyGiven({ channelId: form.channel }),
  };
  await replyToRequester(deps.slack, requester, answer).catch((error: unknown) =>
    deps.logger.warn({ err: error }, 'could not answer the incident form'),
  );
}

function eventOf(sub: Submission, actor: string): IncidentEvent | { block: string; error: string } {
  switch (sub.view.callback_id) {
    case SEVERITY_MODAL: {
      const severity = z.enum(SEVERITIES).safeParse(field(sub, 'severity', selected)?.selected_option?.value);
      return severity.success
        ? { type: 'severity', actor, to: severity.data }
        : { block: 'severity', error: 'Choose a severity.' };
    }
    case UPDATE_MODAL: {
      const text = (field(sub, 'text', value)?.value ?? '').trim();
      const status = z
        .enum(INCIDENT_STATUSES)
        .exclude(['resolved'])
        .safeParse(field(sub, 'status', selected)?.selected_option?.value);
      if (text.length === 0) return { block: 'text', error: 'Say what changed.' };
      return { type: 'update', actor, text: text.slice(0, 2_000), status: status.success ? status.data : undefined };
    }
    case RESOLVE_MODAL: {
      const summary = (field(sub, 'summary', value)?.value ?? '').trim();
      return { type: 'resolve', actor, summary: summary ? summary.slice(0, 2_000) : undefined };
    }
    default:
      return { block: 'severity', error: 'This form is no longer handled.' };
  }
}
