import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { platformErrorCode } from '../adapters/slack.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { userErrorView } from '../bot/views/errors.ts';
import { INCIDENT_ACK, INCIDENT_CHECKLIST, INCIDENT_RESOLVE, INCIDENT_SEVERITY, INCIDENT_UPDATE, checklistView } from '../bot/views/incident-card.ts';
import { DECLARE_MODAL, RESOLVE_MODAL, SEVERITY_MODAL, UPDATE_MODAL, resolveModal, severityModal, updateModal } from '../bot/views/incident-modals.ts';
import { INCIDENT_DECLARE_ANYWAY, INCIDENT_JOIN } from '../bot/views/incident-report.ts';
import { SEVERITIES } from '../core/grammar/values.ts';
import type { IncidentEvent } from '../core/incident-events.ts';
import { jobIdFor } from '../core/ids.ts';
import { INCIDENT_STATUSES } from '../core/incident.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { requireRole } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';
import { viewOfError } from './error-boundary.ts';
import { declareIncident, type Declaration } from './incident.ts';
import { changeIncident, isIncidentAdmin, requireCommand } from './incident-change.ts';

const declaration = z.object({ severity: z.enum(SEVERITIES), title: z.string().min(1).max(150), services: z.array(z.string()).max(20), description: z.string().max(2_000).optional() });

async function incidentOf(deps: HandlerDeps, id: string | undefined) {
  const record = id ? await deps.incidents.get(id) : undefined;
  if (!record) throw new UserError('That button belongs to an incident ops-bot does not know.', { code: 'unknown_incident' });
  return record;
}

function envelopeOf(turn: ActionTurn, deps: HandlerDeps, command: string): JobEnvelope {
  const { payload, correlationId } = turn;
  const channelId = payload.channel?.id ?? payload.container?.channel_id;
  return {
    correlationId, command, requestedAt: deps.now().toISOString(), requestedBy: { userId: payload.user.id, ...(payload.user.team_id ? { teamId: payload.user.team_id } : {}) },
    ...(channelId ? { channelId } : {}), ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
  };
}

async function openModal(deps: HandlerDeps, turn: ActionTurn, modal: Record<string, unknown>): Promise<undefined> {
  if (!turn.payload.trigger_id) throw new UserError('Slack sent no trigger to open the form with.', { code: 'no_trigger' });
  await deps.slack.call('views.open', { trigger_id: turn.payload.trigger_id, view: modal });
  return undefined;
}

// The buttons of the status card, the checklist and the "is this the same incident?" prompt.
export function incidentButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [INCIDENT_ACK]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      return changeIncident(deps, record, { type: 'acknowledge', actor: turn.payload.user.id, admin: await isIncidentAdmin(deps, turn.payload.user.id) }, turn.correlationId);
    },
    [INCIDENT_SEVERITY]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      await requireCommand(deps, record, turn.payload.user.id, 'change the severity');
      return openModal(deps, turn, severityModal(record));
    },
    [INCIDENT_UPDATE]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      await requireRole(deps, turn.payload.user.id, 'incident');
      return openModal(deps, turn, updateModal(record));
    },
    [INCIDENT_RESOLVE]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      await requireCommand(deps, record, turn.payload.user.id, 'resolve the incident');
      return openModal(deps, turn, resolveModal(record));
    },
    [INCIDENT_CHECKLIST]: async (turn) => checklistTicked(deps, turn),
    [INCIDENT_JOIN]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      await requireRole(deps, turn.payload.user.id, 'incident');
      if (!record.channelId) throw new UserError('That incident has no channel yet; try again in a few seconds.', { code: 'not_ready' });
      await deps.slack.call('conversations.invite', { channel: record.channelId, users: turn.payload.user.id }).catch((error: unknown) => {
        if (platformErrorCode(error) !== 'already_in_channel') throw error;
      });
      return view(`You are in #${record.channelName}.`, [section(`:wave: You are in <#${record.channelId}>; nothing new was declared.`)]);
    },
    [INCIDENT_DECLARE_ANYWAY]: async (turn) => {
      let ask: Declaration;
      try {
        ask = declaration.parse(JSON.parse(turn.action.value ?? ''));
      } catch {
        throw new UserError('That button does not describe an incident.', { code: 'bad_button' });
      }
      // One declaration per prompt, however often it is clicked.
      const deliveryKey = `action:${turn.payload.container?.message_ts ?? turn.action.action_ts}:${turn.action.action_id}:${turn.payload.user.id}`;
      if (!(await deps.ledger.claim(deliveryKey, turn.correlationId))) return view('Already declared.', [section('This incident is already being declared.')]);
      const envelope = envelopeOf(turn, deps, `button declare anyway ${ask.severity} ${ask.title}`);
      return declareIncident(deps, ask, envelope, deliveryKey, async (entry) => {
        await deps.audit.record({ event: 'request', decision: 'accepted', actor: turn.payload.user.id, correlationId: turn.correlationId, channel: envelope.channelId, command: envelope.command, ...entry });
      }, { force: true });
    },
  };
}

async function checklistTicked(deps: HandlerDeps, turn: ActionTurn): Promise<View | undefined> {
  const channel = turn.payload.channel?.id ?? turn.payload.container?.channel_id;
  const ts = turn.payload.container?.message_ts;
  const record = channel ? await deps.incidents.byChannel(channel) : undefined;
  if (!record || !ts) throw new UserError('That checklist belongs to an incident ops-bot does not know.', { code: 'unknown_incident' });
  await requireRole(deps, turn.payload.user.id, 'incident');
  const items = deps.catalog.incidents.severities[record.severity].checklist ?? deps.catalog.incidents.checklist;
  const checked = new Set((turn.action.selected_options ?? []).map((option) => option.value));
  const before = new Set(Array.isArray(record.steps['checklist.checked']) ? (record.steps['checklist.checked'] as string[]) : []);
  await deps.incidents.markStep(record.id, 'checklist.checked', [...checked]);
  const now = deps.now();
  for (const [index, item] of items.entries()) {
    const value = `item-${index}`;
    if (checked.has(value) === before.has(value)) continue;
    const text = `${checked.has(value) ? 'Done' : 'Not done after all'}: ${item} (<@${turn.payload.user.id}>)`;
    await deps.incidents.addTimeline(record.id, { kind: 'checklist', actor: turn.payload.user.id, text, at: now }, {
      event: 'checklist', decision: 'accepted', actor: turn.payload.user.id, correlationId: turn.correlationId, channel, action: 'incident.checklist', target: `incident/${record.id}`, reason: text,
    });
  }
  await deps.slack.updateMessage({ channel: channel!, ts }, checklistView(record, items, checked));
  return undefined;
}

// 📌 on a message in an incident channel puts it on the timeline (a job reads the message).
export function pinReaction(deps: HandlerDeps) {
  const reaction = z.object({ user: z.string(), reaction: z.string(), item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }) });
  return async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = reaction.safeParse(event);
    if (!parsed.success || parsed.data.reaction !== 'pushpin' || !parsed.data.item.channel || !parsed.data.item.ts) return;
    const { user, item } = parsed.data;
    try {
      const record = await deps.incidents.byChannel(item.channel!);
      if (!record) return;
      await requireRole(deps, user, 'incident');
      const correlationId = currentContext()?.correlationId ?? record.correlationId;
      await deps.queues.enqueue('incident-pin', jobIdFor('incident-pin', `${item.channel}:${item.ts}`), { correlationId, incidentId: record.id, channel: item.channel!, ts: item.ts!, user });
    } catch (error) {
      deps.logger.warn({ err: error }, 'could not put the pinned message on the timeline');
      if (error instanceof UserError) await deps.slack.postEphemeral(item.channel!, user, userErrorView(error.message, error.hint)).catch(() => undefined);
    }
  };
}

const value = z.object({ value: z.string().nullish() });
const selected = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
const multi = z.object({ selected_options: z.array(z.object({ value: z.string() })).nullish() });
const submission = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({ id: z.string(), callback_id: z.string(), private_metadata: z.string(), state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }) }),
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
    const meta = z.object({ channel: z.string().optional(), incidentId: z.string().optional() }).safeParse(JSON.parse(sub.view.private_metadata || '{}'));
    const correlationId = currentContext()?.correlationId ?? 'none';
    const userId = sub.user.id;
    let answer: View | undefined;
    let channel = meta.success ? meta.data.channel : undefined;
    try {
      if (sub.view.callback_id === DECLARE_MODAL) {
        const title = (field(sub, 'title', value)?.value ?? '').trim();
        const severity = field(sub, 'severity', selected)?.selected_option?.value;
        if (title.length === 0 || title.length > 150) return void (await ack({ response_action: 'errors', errors: { title: title.length === 0 ? 'Give the incident a title.' : 'Keep the title under 150 characters; put details in the description.' } }));
        const level = z.enum(SEVERITIES).safeParse(severity);
        if (!level.success) return void (await ack({ response_action: 'errors', errors: { severity: 'Choose a severity.' } }));
        await ack();
        const services = (field(sub, 'services', multi)?.selected_options ?? []).map((option) => option.value);
        const description = field(sub, 'description', value)?.value?.trim() || undefined;
        const envelope: JobEnvelope = { correlationId, command: `form declare ${level.data} ${title}`, requestedAt: deps.now().toISOString(), requestedBy: { userId, ...(sub.user.team_id ? { teamId: sub.user.team_id } : {}) }, ...(channel ? { channelId: channel } : {}) };
        answer = await declareIncident(deps, { severity: level.data, title, services, description }, envelope, `view:${sub.view.id}`, async (entry) => {
          await deps.audit.record({ event: 'request', decision: 'accepted', actor: userId, correlationId, channel, command: envelope.command, ...entry });
        }, { force: false });
      } else {
        const record = meta.success && meta.data.incidentId ? await deps.incidents.get(meta.data.incidentId) : undefined;
        if (!record) return void (await ack());
        channel = record.channelId;
        const event = eventOf(sub, userId);
        if ('error' in event) return void (await ack({ response_action: 'errors', errors: { [event.block]: event.error } }));
        await ack();
        answer = await changeIncident(deps, record, event, correlationId);
      }
    } catch (error) {
      answer = viewOfError(error, correlationId, deps.logger);
      await deps.audit.record({ event: 'request', decision: 'refused', actor: userId, correlationId, channel, command: `form ${sub.view.callback_id}`, action: sub.view.callback_id, reason: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
    }
    if (answer) await tell(deps, channel, userId, answer);
  };
}

function eventOf(sub: Submission, actor: string): IncidentEvent | { block: string; error: string } {
  switch (sub.view.callback_id) {
    case SEVERITY_MODAL: {
      const severity = z.enum(SEVERITIES).safeParse(field(sub, 'severity', selected)?.selected_option?.value);
      return severity.success ? { type: 'severity', actor, to: severity.data } : { block: 'severity', error: 'Choose a severity.' };
    }
    case UPDATE_MODAL: {
      const text = (field(sub, 'text', value)?.value ?? '').trim();
      const status = z.enum(INCIDENT_STATUSES).exclude(['resolved']).safeParse(field(sub, 'status', selected)?.selected_option?.value);
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

async function tell(deps: HandlerDeps, channel: string | undefined, user: string, answer: View): Promise<void> {
  if (channel) {
    try {
      await deps.slack.postEphemeral(channel, user, answer);
      return;
    } catch {
      // not in that channel: a DM still reaches them
    }
  }
  await deps.slack.postMessage(user, answer).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not answer the incident form'));
}
