import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { DECLARE_MODAL, RESOLVE_MODAL, SEVERITY_MODAL, UPDATE_MODAL } from '../bot/views/incident-modals.ts';
import { TITLE_MAX } from '../core/grammar/commands.ts';
import { SEVERITIES } from '../core/grammar/values.ts';
import type { IncidentEvent } from '../core/incident-events.ts';
import { INCIDENT_STATUSES } from '../core/incident.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { replyToRequester } from '../jobs/reply.ts';
import type { HandlerDeps } from './deps.ts';
import { viewOfError } from './error-boundary.ts';
import { declareIncident } from './incident.ts';
import { changeIncident } from './incident-change.ts';

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

// The incident forms. A bad field is shown next to it (response_action: errors); the outcome goes
// to the person privately in the channel, or by DM when they are not in it.
export function incidentSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = submission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const sub = parsed.data;
    const meta = z
      .object({ channel: z.string().optional(), incidentId: z.string().optional() })
      .safeParse(JSON.parse(sub.view.private_metadata || '{}'));
    const correlationId = currentContext()?.correlationId ?? 'none';
    const userId = sub.user.id;
    let answer: View | undefined;
    let channel = meta.success ? meta.data.channel : undefined;
    try {
      if (sub.view.callback_id === DECLARE_MODAL) {
        const title = (field(sub, 'title', value)?.value ?? '').trim();
        const severity = field(sub, 'severity', selected)?.selected_option?.value;
        if (title.length === 0 || title.length > TITLE_MAX)
          return void (await ack({
            response_action: 'errors',
            errors: {
              title:
                title.length === 0
                  ? 'Give the incident a title.'
                  : `Keep the title under ${TITLE_MAX} characters; put details in the description.`,
            },
          }));
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
          requestedBy: { userId, ...(sub.user.team_id ? { teamId: sub.user.team_id } : {}) },
          ...(channel ? { channelId: channel } : {}),
        };
        answer = await declareIncident(
          deps,
          { severity: level.data, title, services, description },
          envelope,
          `view:${sub.view.id}`,
          async (entry) => {
            await deps.audit.record({
              event: 'request',
              decision: 'accepted',
              actor: userId,
              correlationId,
              channel,
              command: envelope.command,
              ...entry,
            });
          },
          { force: false },
        );
      } else {
        const record =
          meta.success && meta.data.incidentId ? await deps.incidents.get(meta.data.incidentId) : undefined;
        if (!record) return void (await ack());
        channel = record.channelId;
        const event = eventOf(sub, userId);
        if ('error' in event)
          return void (await ack({ response_action: 'errors', errors: { [event.block]: event.error } }));
        await ack();
        answer = await changeIncident(deps, record, event, correlationId);
      }
    } catch (error) {
      answer = viewOfError(error, correlationId, deps.logger);
      await deps.audit
        .record({
          event: 'request',
          decision: 'refused',
          actor: userId,
          correlationId,
          channel,
          command: `form ${sub.view.callback_id}`,
          action: sub.view.callback_id,
          reason: error instanceof Error ? error.message : String(error),
        })
        .catch(() => undefined);
    }
    if (!answer) return;
    const requester = {
      correlationId,
      requestedAt: deps.now().toISOString(),
      requestedBy: { userId },
      ...(channel ? { channelId: channel } : {}),
    };
    await replyToRequester(deps.slack, requester, answer).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not answer the incident form'),
    );
  };
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
