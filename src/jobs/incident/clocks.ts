import { type IncidentRecord } from '../../core/incident-record.ts';
import { hashOf } from '../../core/ids.ts';
import { archiveTimes } from '../../core/incident.ts';
import type { ProcessorDeps } from '../processor.ts';

export type Clock = 'ack' | 'update' | 'archive-notice' | 'archive';
const ALL_CLOCKS: Clock[] = ['ack', 'update', 'archive-notice', 'archive'];

function clockJobId(record: IncidentRecord, clock: Clock, due: number): string {
  return `incident-clock-${hashOf(`${record.id}:${clock}:${record.clockGen}:${due}`).slice(0, 16)}`;
}

// A clock is a delayed BullMQ job stamped with the incident's clock generation. A severity change,
// a resolve or a reopen moves the generation on and removes the pending jobs; one that still fires
// finds its generation stale and does nothing.
export async function schedule(deps: ProcessorDeps, record: IncidentRecord, clock: Clock, due: number): Promise<void> {
  const jobId = clockJobId(record, clock, due);
  await deps.queues.enqueue(
    'incident-clock',
    jobId,
    { correlationId: record.correlationId, incidentId: record.id, clock, generation: record.clockGen, due },
    { delayMs: Math.max(0, due - deps.now().getTime()) },
  );
  await deps.incidents.markStep(record.id, `clock.${clock}`, jobId);
  record.steps[`clock.${clock}`] = jobId;
}

export async function stopClocks(
  deps: ProcessorDeps,
  record: IncidentRecord,
  clocks: Clock[] = ALL_CLOCKS,
): Promise<void> {
  for (const clock of clocks) {
    const jobId = record.steps[`clock.${clock}`];
    if (typeof jobId === 'string')
      await deps.queues
        .remove('incident-clock', jobId)
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, jobId }, 'could not remove a clock; its generation makes it a no-op'),
        );
  }
}

// Clocks of an open incident, counted from now: acknowledge within the severity's time (unless
// acknowledged already), and a status update every `updateEvery`.
export async function scheduleClocks(
  deps: ProcessorDeps,
  record: IncidentRecord,
  mode: 'restart' | 'stop',
): Promise<void> {
  await stopClocks(deps, record);
  if (mode === 'stop' || record.status === 'resolved') return;
  const severity = deps.catalog.incidents.severities[record.severity];
  const now = deps.now().getTime();
  if (!record.acknowledgedAt) await schedule(deps, record, 'ack', now + severity.ackWithin);
  if (severity.updateEvery) await schedule(deps, record, 'update', now + severity.updateEvery);
}

export async function scheduleArchive(deps: ProcessorDeps, record: IncidentRecord): Promise<void> {
  if (!record.resolvedAt) return;
  const times = archiveTimes(record.resolvedAt, deps.catalog.incidents.archiveAfter);
  await schedule(deps, record, 'archive-notice', times.notice.getTime());
  await schedule(deps, record, 'archive', times.archive.getTime());
}
