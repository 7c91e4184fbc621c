import { type AuditEntry } from '../core/audit.ts';
import { type IncidentRecord } from '../core/incident-record.ts';
import { esc } from '../core/mrkdwn.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { duplicatePromptView, type DeclareAsk } from '../bot/views/incident-report.ts';
import type { Severity } from '../core/grammar/values.ts';
import { hashOf, jobIdFor } from '../core/ids.ts';
import { DUPLICATE_WINDOW_MS, channelNameFor, similarTitles } from '../core/incident.ts';
import { unknownService } from '../core/unknown-names.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { requireRole } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';
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
  await requireRole(deps, envelope.requestedBy.userId, 'incident');
  refuseUnknownServices(deps, ask.services);
  const now = deps.now();
  const same = options.force ? undefined : await sameIncident(deps, ask, now);
  if (same) {
    await accept({
      action: 'incident.declare',
      target: `incident/${same.id}`,
      reason: 'asked whether this is the same incident',
      details: { duplicateOf: same.id, title: ask.title },
    });
    return duplicatePromptView(same, ask, now);
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
  await createAndSetUp(deps, { id, jobId, deliveryKey, ask, envelope, now });
  return declaringView(ask, now);
}

function refuseUnknownServices(deps: HandlerDeps, services: string[]): void {
  const unknown = services.filter((service) => !deps.catalog.services[service]);
  if (unknown.length === 0) return;
  const known = Object.keys(deps.catalog.services);
  if (unknown.length === 1) throw unknownService(unknown[0]!, known, '; nothing was declared');
  const named = unknown.map((service) => `\`${service}\``).join(', ');
  throw new UserError(`There is no service ${named} in the catalog; nothing was declared.`, {
    hint: `Services: ${known.join(', ') || 'none'}.`,
    code: 'unknown_service',
  });
}

// An open incident declared lately under a similar title: the person is asked before a second one opens.
async function sameIncident(deps: HandlerDeps, ask: Declaration, now: Date): Promise<IncidentRecord | undefined> {
  const recent = await deps.incidents.declaredSince(new Date(now.getTime() - DUPLICATE_WINDOW_MS));
  return recent.find((record) => record.status !== 'resolved' && similarTitles(record.title, ask.title));
}

type NewIncident = {
  id: string;
  jobId: string;
  deliveryKey: string;
  ask: Declaration;
  envelope: JobEnvelope;
  now: Date;
};

async function createAndSetUp(deps: HandlerDeps, incident: NewIncident): Promise<void> {
  const { id, jobId, deliveryKey, ask, envelope, now } = incident;
  const record = await deps.incidents.create({
    id,
    deliveryKey,
    title: ask.title,
    description: ask.description,
    severity: ask.severity,
    declaredBy: envelope.requestedBy.userId,
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
}

function declaringView(ask: Declaration, now: Date): View {
  const incident = `${ask.severity}: ${esc(ask.title)}`;
  const channel = `#${channelNameFor(ask.title, now)}`;
  return view(`Declaring ${incident}`, [
    section(
      `:rotating_light: Declaring *${incident}* — opening ${channel} with the people, the bridge and the status card…`,
    ),
  ]);
}
