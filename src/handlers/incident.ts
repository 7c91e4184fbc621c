import { type AuditEntry } from '../core/audit.ts';
import { esc } from '../core/mrkdwn.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { declareModal } from '../bot/views/incident-modals.ts';
import { duplicatePromptView, incidentListView, timelineView, type DeclareAsk } from '../bot/views/incident-report.ts';
import type { Severity } from '../core/grammar/values.ts';
import { hashOf, jobIdFor } from '../core/ids.ts';
import { DUPLICATE_WINDOW_MS, channelNameFor, similarTitles } from '../core/incident.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { changeIncident, incidentHere } from './incident-change.ts';
import { withQueue } from './queue-errors.ts';

type Accept = (entry: Omit<AuditEntry, 'event' | 'decision' | 'actor' | 'correlationId'>) => Promise<void>;

export type Declaration = DeclareAsk & { severity: Severity };

// A declaration from the command, the form or "Declare anyway": the incident's row first (so a
// second declaration sees it at once), its audit row (fail closed), then the set-up job. The ids
// come from the delivery, so a retried or double-clicked declaration is the same incident.
export async function declareIncident(
  deps: HandlerDeps,
  ask: Declaration,
  envelope: JobEnvelope,
  deliveryKey: string,
  accept: Accept,
  options: { force: boolean },
): Promise<View> {
  const userId = envelope.requestedBy.userId;
  await requireRole(deps, userId, 'incident');
  const unknown = ask.services.filter((service) => !deps.catalog.services[service]);
  if (unknown.length > 0)
    throw new UserError(
      `There is no service ${unknown.map((service) => `\`${service}\``).join(', ')} in the catalog; nothing was declared.`,
      { hint: `Services: ${Object.keys(deps.catalog.services).join(', ') || 'none'}.`, code: 'unknown_service' },
    );
  const now = deps.now();
  if (!options.force) {
    const recent = await deps.incidents.declaredSince(new Date(now.getTime() - DUPLICATE_WINDOW_MS));
    const same = recent.find((record) => record.status !== 'resolved' && similarTitles(record.title, ask.title));
    if (same) {
      await accept({
        action: 'incident.declare',
        target: `incident/${same.id}`,
        reason: 'asked whether this is the same incident',
        details: { duplicateOf: same.id, title: ask.title },
      });
      return duplicatePromptView(same, ask, now);
    }
  }
  const id = hashOf(deliveryKey).slice(0, 16);
  const jobId = jobIdFor('incident-declare', deliveryKey);
  await accept({
    action: 'incident.declare',
    target: `incident/${id}`,
    jobId,
    reason: ask.title,
    details: { severity: ask.severity, services: ask.services, incidentId: id },
  });
  const record = await deps.incidents.create({
    id,
    deliveryKey,
    title: ask.title,
    description: ask.description,
    severity: ask.severity,
    declaredBy: userId,
    services: ask.services,
    originChannel: envelope.channelId,
    correlationId: envelope.correlationId,
    declaredAt: now,
  });
  try {
    await withQueue('enqueue', () =>
      deps.queues.enqueue('incident-declare', jobId, { ...envelope, incidentId: record.id }),
    );
  } catch (error) {
    // The person is told it failed: nothing may set it up behind their back later.
    await deps.incidents.setSetup(record.id, 'failed').catch(() => undefined);
    throw error;
  }
  const name = channelNameFor(ask.title, now);
  return view(`Declaring ${ask.severity}: ${esc(ask.title)}`, [
    section(
      `:rotating_light: Declaring *${ask.severity}: ${esc(ask.title)}* — opening #${name} with the people, the bridge and the status card…`,
    ),
  ]);
}

export function incidentCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request, payload } = turn;
    if (request.command !== 'incident') return undefined;
    const userId = payload.user_id;
    switch (request.sub) {
      case 'declare': {
        if (request.severity === undefined || request.title === undefined) {
          await requireRole(deps, userId, 'incident');
          if (!payload.trigger_id)
            throw new UserError('Slack sent no trigger to open the form with.', {
              hint: 'Use `/incident declare P1 "title"` instead.',
              code: 'no_trigger',
            });
          await deps.slack.call('views.open', {
            trigger_id: payload.trigger_id,
            view: declareModal(Object.keys(deps.catalog.services), payload.channel_id),
          });
          return undefined;
        }
        return declareIncident(
          deps,
          { severity: request.severity, title: request.title, services: request.services },
          turn.envelope(),
          turn.deliveryKey,
          (entry) => turn.accept(entry, { failClosed: true }),
          { force: false },
        );
      }
      case 'list':
        return incidentListView(await deps.incidents.open(), deps.now());
      case 'timeline': {
        const record = await incidentHere(deps, payload.channel_id, 'show a timeline of');
        return timelineView(record, await deps.incidents.timeline(record.id));
      }
      case 'note': {
        const record = await incidentHere(deps, payload.channel_id, 'note');
        await requireRole(deps, userId, 'incident');
        await turn.accept(
          { action: 'incident.note', target: `incident/${record.id}`, reason: request.text },
          { failClosed: true },
        );
        await deps.incidents.addTimeline(record.id, {
          kind: 'note',
          actor: userId,
          text: esc(request.text),
          at: deps.now(),
        });
        return view('Added to the timeline.', [section(`:memo: Added to the timeline: ${esc(request.text)}`)]);
      }
      case 'sev':
      case 'resolve':
      case 'reopen': {
        const record = await incidentHere(
          deps,
          payload.channel_id,
          request.sub === 'sev' ? 'change the severity of' : request.sub,
        );
        const event =
          request.sub === 'sev'
            ? { type: 'severity' as const, actor: userId, to: request.severity }
            : request.sub === 'resolve'
              ? { type: 'resolve' as const, actor: userId, summary: request.summary }
              : { type: 'reopen' as const, actor: userId };
        await turn.accept({ action: `incident.${event.type}.request`, target: `incident/${record.id}` });
        return changeIncident(deps, record, event, turn.correlationId);
      }
    }
  };
}
