import type { AuditEntry } from '../core/audit.ts';
import { type IncidentRecord } from '../core/incident-record.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import type { IncidentEvent, Transition } from '../core/incident-events.ts';
import { describePeople } from '../core/people.ts';
import { holdsRole } from '../core/roles.ts';
import { UserError } from '../core/user-error.ts';
import { enqueueCardRefresh, enqueueEffects } from '../jobs/incident/effects.ts';
import type { JobData } from '../jobs/job-data.ts';
import { identify, requireRole } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';

// The incident whose channel this is, or a clear refusal naming where to run the command instead.
export async function incidentHere(deps: HandlerDeps, channelId: string, what: string): Promise<IncidentRecord> {
  const incident = await deps.incidents.byChannel(channelId);
  if (incident) return incident;
  const open = await deps.incidents.open(5);
  const where = open.filter((record) => record.channelId).map((record) => `<#${record.channelId}>`);
  throw new UserError(
    `This channel is not an incident channel, so there is nothing to ${what} here. Nothing was changed.`,
    {
      hint:
        where.length > 0
          ? `Run it in the incident's channel: ${where.join(', ')}.`
          : 'There are no open incidents; `/incident declare P1 "title"` opens one.',
      code: 'not_incident_channel',
    },
  );
}

// Severity, resolve and reopen belong to the commander and to the incident-admin role; until
// someone takes command, the person who declared the incident holds it (a false alarm is closed by
// whoever raised it, without first pressing a button).
export async function requireCommand(
  deps: HandlerDeps,
  record: IncidentRecord,
  userId: string,
  what: string,
): Promise<void> {
  if (record.commander === userId || (record.commander === undefined && record.declaredBy === userId)) return;
  const identity = await identify(deps, userId);
  if (holdsRole(identity, deps.catalog.roles, 'incidentAdmin')) return;
  const commander = record.commander
    ? `<@${record.commander}>`
    : `nobody yet, so <@${record.declaredBy}>, who declared it`;
  const admins = describePeople(deps.catalog.roles.incidentAdmin ?? []);
  throw new UserError(
    `Only the commander (${commander}) or the \`incidentAdmin\` role (${admins}) may ${what}. Nothing was changed.`,
    { hint: commanderHint(record), code: 'not_commander' },
  );
}

function commanderHint(record: IncidentRecord): string {
  if (!record.commander) return "Press *Acknowledge / I'm commander* on the pinned card first.";
  const takeCommand = "take command with the card's *I'm commander* button if you are an incident admin";
  return `Ask <@${record.commander}>, or ${takeCommand}.`;
}

export async function isIncidentAdmin(deps: HandlerDeps, userId: string): Promise<boolean> {
  return holdsRole(await identify(deps, userId), deps.catalog.roles, 'incidentAdmin');
}

const PERMISSION: Record<IncidentEvent['type'], string | undefined> = {
  severity: 'change the severity',
  resolve: 'resolve the incident',
  reopen: 'reopen the incident',
  acknowledge: undefined,
  update: undefined,
};

type Applied = Extract<Transition, { ok: true }>;

// One change, from a command, a button or a form: check who may, apply it atomically (state,
// timeline, audit), then hand its effects to the worker and refresh the card.
export async function changeIncident(
  deps: HandlerDeps,
  record: IncidentRecord,
  event: IncidentEvent,
  correlationId: string,
): Promise<View> {
  await requireRole(deps, event.actor, 'incident');
  const guarded = PERMISSION[event.type];
  if (guarded) await requireCommand(deps, record, event.actor, guarded);
  const effectsOf = effectsJob(event, correlationId);
  const result = await deps.incidents.change(record.id, event, deps.now(), auditRow(event, correlationId), effectsOf);
  if (!result) throw new UserError('That incident is not known to ops-bot.', { code: 'unknown_incident' });
  if ('refused' in result) throw new UserError(result.refused.message, { code: result.refused.code });
  const { record: next, transition } = result;
  // Stored with the change already (the outbox); enqueued now, or by the sweeper if this fails.
  await enqueueCardRefresh(deps, next);
  await enqueueEffects(deps, effectsOf(next, transition));
  return view(transition.answer, [section(`:ok_hand: ${transition.answer}`)]);
}

function effectsJob(event: IncidentEvent, correlationId: string) {
  return (current: IncidentRecord, transition: Applied): JobData<'incident-effects'> => ({
    correlationId,
    incidentId: current.id,
    version: transition.state.version,
    effects: transition.effects,
    actor: event.actor,
    clocks: transition.clocks,
    severity: transition.state.severity,
    ...(event.type === 'update' ? { text: event.text } : {}),
  });
}

// The change's audit row, written in the same transaction as the change itself.
function auditRow(event: IncidentEvent, correlationId: string) {
  return (current: IncidentRecord, transition: Applied): AuditEntry => ({
    event: event.type,
    decision: 'accepted',
    actor: event.actor,
    correlationId,
    channel: current.channelId,
    action: `incident.${event.type}`,
    target: `incident/${current.id}`,
    reason: event.type === 'resolve' ? event.summary : event.type === 'update' ? event.text : undefined,
    details: {
      incidentId: current.id,
      version: transition.state.version,
      ...(event.type === 'severity' ? { from: current.severity, to: event.to } : {}),
      ...(event.type === 'update' && event.status ? { status: event.status } : {}),
    },
  });
}
