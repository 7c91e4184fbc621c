import { z } from 'zod';
import { platformErrorCode } from '../adapters/slack.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
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
import type { IncidentRecord } from '../core/incident-record.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { requireRole } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';
import { buttonChannel, buttonEnvelope } from './envelopes.ts';
import { checkBeforeForm, openForm } from './form-trigger.ts';
import { declareIncident, type Declaration } from './incident.ts';
import { changeIncident, isIncidentAdmin, requireCommand } from './incident-change.ts';
import { onlyGiven } from './optional-fields.ts';
import { acceptAs } from './request-audit.ts';

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

function openModal(deps: HandlerDeps, turn: ActionTurn, modal: Record<string, unknown>): Promise<undefined> {
  const noTrigger = new UserError('Slack sent no trigger to open the form with.', { code: 'no_trigger' });
  return openForm(deps, turn.triggerDeadline, turn.payload.trigger_id, modal, noTrigger);
}

// The incident a form button belongs to, and who may use it, checked before the trigger expires.
async function checkedForForm(
  deps: HandlerDeps,
  turn: ActionTurn,
  allowed: (record: IncidentRecord) => Promise<unknown>,
): Promise<IncidentRecord> {
  return checkBeforeForm(
    turn.triggerDeadline,
    (async () => {
      const record = await incidentOf(deps, turn.action.value);
      await allowed(record);
      return record;
    })(),
  );
}

// The buttons of the status card, the checklist and the "is this the same incident?" prompt.
export function incidentButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [INCIDENT_ACK]: async (turn) => {
      const record = await incidentOf(deps, turn.action.value);
      const actor = turn.payload.user.id;
      const event = { type: 'acknowledge' as const, actor, admin: await isIncidentAdmin(deps, actor) };
      return changeIncident(deps, record, event, turn.correlationId);
    },
    [INCIDENT_SEVERITY]: async (turn) => {
      const user = turn.payload.user.id;
      const record = await checkedForForm(deps, turn, (it) => requireCommand(deps, it, user, 'change the severity'));
      return openModal(deps, turn, severityModal(record));
    },
    [INCIDENT_UPDATE]: async (turn) => {
      const record = await checkedForForm(deps, turn, () => requireRole(deps, turn.payload.user.id, 'incident'));
      return openModal(deps, turn, updateModal(record));
    },
    [INCIDENT_RESOLVE]: async (turn) => {
      const user = turn.payload.user.id;
      const record = await checkedForForm(deps, turn, (it) => requireCommand(deps, it, user, 'resolve the incident'));
      return openModal(deps, turn, resolveModal(record));
    },
    [INCIDENT_CHECKLIST]: async (turn) => checklistTicked(deps, turn),
    [INCIDENT_JOIN]: async (turn) => joinIncident(deps, turn),
    [INCIDENT_DECLARE_ANYWAY]: async (turn) => declareAnyway(deps, turn),
  };
}

async function joinIncident(deps: HandlerDeps, turn: ActionTurn): Promise<View> {
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
}

async function declareAnyway(deps: HandlerDeps, turn: ActionTurn): Promise<View> {
  const ask = declarationOf(turn.action.value);
  // One declaration per prompt, however often it is clicked.
  const deliveryKey = promptDeliveryKey(turn);
  if (!(await deps.ledger.claim(deliveryKey, turn.correlationId)))
    return view('Already declared.', [section('This incident is already being declared.')]);
  const envelope: JobEnvelope = {
    ...buttonEnvelope(deps, turn, `button declare anyway ${ask.severity} ${ask.title}`),
    ...onlyGiven({ responseUrl: turn.payload.response_url }),
  };
  const { channelId: channel, command } = envelope;
  const accept = acceptAs(deps, { actor: turn.payload.user.id, correlationId: turn.correlationId, channel, command });
  return declareIncident(deps, ask, envelope, deliveryKey, accept, { force: true });
}

function declarationOf(value: string | undefined): Declaration {
  try {
    return declaration.parse(JSON.parse(value ?? ''));
  } catch {
    throw new UserError('That button does not describe an incident.', { code: 'bad_button' });
  }
}

function promptDeliveryKey({ payload, action }: ActionTurn): string {
  const prompt = payload.container?.message_ts ?? action.action_ts;
  return `action:${prompt}:${action.action_id}:${payload.user.id}`;
}

async function checklistTicked(deps: HandlerDeps, turn: ActionTurn): Promise<View | undefined> {
  const channel = buttonChannel(turn.payload);
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
