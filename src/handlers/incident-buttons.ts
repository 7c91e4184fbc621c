import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { platformErrorCode } from '../adapters/slack.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { userErrorView } from '../bot/views/errors.ts';
import {
  INCIDENT_ACK,
  INCIDENT_CHECKLIST,
  INCIDENT_RESOLVE,
  INCIDENT_SEVERITY,
  INCIDENT_UPDATE,
  checklistView,
} from '../bot/views/incident-card.ts';
import { resolveModal, severityModal, updateModal } from '../bot/views/incident-modals.ts';
import { INCIDENT_DECLARE_ANYWAY, INCIDENT_JOIN } from '../bot/views/incident-report.ts';
import { TITLE_MAX } from '../core/grammar/commands.ts';
import { SEVERITIES } from '../core/grammar/values.ts';
import { jobIdFor } from '../core/ids.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { requireRole } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';
import { declareIncident, type Declaration } from './incident.ts';
import { changeIncident, isIncidentAdmin, requireCommand } from './incident-change.ts';

const declaration = z.object({
  severity: z.enum(SEVERITIES),
  title: z.string().min(1).max(TITLE_MAX),
  services: z.array(z.string()).max(20),
  description: z.string().max(2_000).optional(),
});

async function incidentOf(deps: HandlerDeps, id: string | undefined) {
  const record = id ? await deps.incidents.get(id) : undefined;
  if (!record)
    throw new UserError('That button belongs to an incident ops-bot does not know.', { code: 'unknown_incident' });
  return record;
}

function envelopeOf(turn: ActionTurn, deps: HandlerDeps, command: string): JobEnvelope {
  const { payload, correlationId } = turn;
  const channelId = payload.channel?.id ?? payload.container?.channel_id;
  return {
    correlationId,
    command,
    requestedAt: deps.now().toISOString(),
    requestedBy: { userId: payload.user.id, ...(payload.user.team_id ? { teamId: payload.user.team_id } : {}) },
    ...(channelId ? { channelId } : {}),
    ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
  };
}

async function openModal(deps: HandlerDeps, turn: ActionTurn, modal: Record<string, unknown>): Promise<undefined> {
  if (!turn.payload.trigger_id)
    throw new UserError('Slack sent no trigger to open the form with.', { code: 'no_trigger' });
  await deps.slack.call('views.open', { trigger_id: turn.payload.trigger_id, view: modal });
  return undefined;
}

// The buttons of the status card, the checklist and the "is this the same incident?" prompt.
export function incidentButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [INCIDENT_ACK]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      return changeIncident(
        deps,
        record,
        { type: 'acknowledge', actor: turn.payload.user.id, admin: await isIncidentAdmin(deps, turn.payload.user.id) },
        turn.correlationId,
      );
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
      if (!record.channelId)
        throw new UserError('That incident has no channel yet; try again in a few seconds.', { code: 'not_ready' });
      await deps.slack
        .call('conversations.invite', { channel: record.channelId, users: turn.payload.user.id })
        .catch((error: unknown) => {
          if (platformErrorCode(error) !== 'already_in_channel') throw error;
        });
      return view(`You are in #${record.channelName}.`, [
        section(`:wave: You are in <#${record.channelId}>; nothing new was declared.`),
      ]);
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
      if (!(await deps.ledger.claim(deliveryKey, turn.correlationId)))
        return view('Already declared.', [section('This incident is already being declared.')]);
      const envelope = envelopeOf(turn, deps, `button declare anyway ${ask.severity} ${ask.title}`);
      return declareIncident(
        deps,
        ask,
        envelope,
        deliveryKey,
        async (entry) => {
          await deps.audit.record({
            event: 'request',
            decision: 'accepted',
            actor: turn.payload.user.id,
            correlationId: turn.correlationId,
            channel: envelope.channelId,
            command: envelope.command,
            ...entry,
          });
        },
        { force: true },
      );
    },
  };
}

async function checklistTicked(deps: HandlerDeps, turn: ActionTurn): Promise<View | undefined> {
  const channel = turn.payload.channel?.id ?? turn.payload.container?.channel_id;
  const ts = turn.payload.container?.message_ts;
  const record = channel ? await deps.incidents.byChannel(channel) : undefined;
  if (!record || !ts)
    throw new UserError('That checklist belongs to an incident ops-bot does not know.', { code: 'unknown_incident' });
  await requireRole(deps, turn.payload.user.id, 'incident');
  const items = deps.catalog.incidents.severities[record.severity].checklist ?? deps.catalog.incidents.checklist;
  const checked = new Set((turn.action.selected_options ?? []).map((option) => option.value));
  const before = new Set(
    Array.isArray(record.steps['checklist.checked']) ? (record.steps['checklist.checked'] as string[]) : [],
  );
  await deps.incidents.markStep(record.id, 'checklist.checked', [...checked]);
  const now = deps.now();
  for (const [index, item] of items.entries()) {
    const value = `item-${index}`;
    if (checked.has(value) === before.has(value)) continue;
    const text = `${checked.has(value) ? 'Done' : 'Not done after all'}: ${item} (<@${turn.payload.user.id}>)`;
    await deps.incidents.addTimeline(
      record.id,
      { kind: 'checklist', actor: turn.payload.user.id, text, at: now },
      {
        event: 'checklist',
        decision: 'accepted',
        actor: turn.payload.user.id,
        correlationId: turn.correlationId,
        channel,
        action: 'incident.checklist',
        target: `incident/${record.id}`,
        reason: text,
      },
    );
  }
  await deps.slack.updateMessage({ channel: channel!, ts }, checklistView(record, items, checked));
  return undefined;
}

// 📌 on a message in an incident channel puts it on the timeline (a job reads the message).
export function pinReaction(deps: HandlerDeps) {
  const reaction = z.object({
    user: z.string(),
    reaction: z.string(),
    item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
  });
  return async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = reaction.safeParse(event);
    if (!parsed.success || parsed.data.reaction !== 'pushpin' || !parsed.data.item.channel || !parsed.data.item.ts)
      return;
    const { user, item } = parsed.data;
    try {
      const record = await deps.incidents.byChannel(item.channel!);
      if (!record) return;
      await requireRole(deps, user, 'incident');
      const correlationId = currentContext()?.correlationId ?? record.correlationId;
      await deps.queues.enqueue('incident-pin', jobIdFor('incident-pin', `${item.channel}:${item.ts}`), {
        correlationId,
        incidentId: record.id,
        channel: item.channel!,
        ts: item.ts!,
        user,
      });
    } catch (error) {
      deps.logger.warn({ err: error }, 'could not put the pinned message on the timeline');
      if (error instanceof UserError)
        await deps.slack
          .postEphemeral(item.channel!, user, userErrorView(error.message, error.hint))
          .catch(() => undefined);
    }
  };
}
