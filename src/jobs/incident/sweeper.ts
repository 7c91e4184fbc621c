import type { Logger } from 'pino';
import type { IncidentStore } from '../../adapters/incident-store.ts';
import { jobIdFor } from '../../core/ids.ts';
import { JOB_DATA } from '../job-data.ts';
import type { JobQueues } from '../queues.ts';
import { enqueueEffects } from './effects.ts';

const EVERY_MS = 30_000;
const GRACE_MS = 30_000;

// A change commits with its effects (the outbox) before they are enqueued, and a declaration's row
// is written before its set-up job: a crash or a Redis outage in between would leave them undone.
// This enqueues them again; job ids come from the change's version and the delivery, so an enqueue
// of a job that exists (waiting, running, finished or failed) adds nothing.
export async function sweepIncidents(
  incidents: IncidentStore,
  queues: JobQueues,
  logger: Logger,
  now: () => Date,
): Promise<number> {
  const before = new Date(now().getTime() - GRACE_MS);
  let enqueued = 0;
  for (const pending of await incidents.pendingEffects(before)) {
    const data = JOB_DATA['incident-effects'].safeParse(pending.value);
    if (!data.success) {
      logger.error(
        { incidentId: pending.incidentId, key: pending.key },
        'stored incident effects do not parse; leaving them',
      );
      continue;
    }
    await enqueueEffects({ queues }, data.data);
    enqueued += 1;
  }
  for (const record of await incidents.unfinishedDeclarations(before)) {
    await queues.enqueue('incident-declare', jobIdFor('incident-declare', record.deliveryKey), {
      correlationId: record.correlationId,
      incidentId: record.id,
      requestedAt: record.declaredAt.toISOString(),
      requestedBy: { userId: record.declaredBy },
      ...(record.originChannel ? { channelId: record.originChannel } : {}),
    });
    enqueued += 1;
  }
  if (enqueued > 0)
    logger.info({ enqueued }, 'incident sweep enqueued unfinished work (jobs that exist are not added twice)');
  return enqueued;
}

export function startIncidentSweeper(
  incidents: IncidentStore,
  queues: JobQueues,
  logger: Logger,
  now: () => Date,
): () => void {
  const timer = setInterval(
    () =>
      void sweepIncidents(incidents, queues, logger, now).catch((error: unknown) =>
        logger.warn({ err: error }, 'incident sweep failed'),
      ),
    EVERY_MS,
  );
  timer.unref();
  return () => clearInterval(timer);
}
