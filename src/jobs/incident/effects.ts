import { type IncidentRecord } from '../../core/incident-record.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { incidentCardView, topicOf } from '../../bot/views/incident-card.ts';
import { servicesOf } from '../../core/incident.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { announceAcknowledged, announceSeverity, announceUpdate, reopen, type Change } from './announcements.ts';
import { scheduleArchive, scheduleClocks } from './clocks.ts';
import { resolve } from './resolve.ts';
import { bridgeOf, step } from './steps.ts';
import { pagingActionFor, pagingStatusOf } from '../../core/paging.ts';
import { enqueuePage } from './paging.ts';

// What follows a change of an incident (see core/incident-events.ts), carried out once per version:
// every post is a recorded step, so a retried job finishes what is missing and repeats nothing.
export const incidentEffectsProcessor: Processor<'incident-effects'> = async ({ data, deps }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record) return { skipped: 'no such incident' };
  await pageFor(deps, record, data);
  // A change made while the channel is still being created waits for it (retried with backoff).
  if (!record.channelId) throw new Error('the incident has no channel yet; retrying');
  const change: Change = { deps, data, record, channel: record.channelId, v: `v${data.version}` };
  for (const effect of data.effects) await EFFECTS[effect](change);
  await scheduleFollowingClocks(change);
  await enqueueCardRefresh(deps, record);
  await deps.incidents.markStep(record.id, `effects.${change.v}.done`, true);
  return { effects: data.effects };
};

const EFFECTS: Record<JobData<'incident-effects'>['effects'][number], (change: Change) => Promise<void>> = {
  acknowledged: announceAcknowledged,
  'announce-severity': announceSeverity,
  'post-update': announceUpdate,
  resolve,
  reopen,
};

// Paging does not wait for the channel: it has its own job, one per change (its id names the version).
async function pageFor(deps: ProcessorDeps, record: IncidentRecord, data: JobData<'incident-effects'>): Promise<void> {
  const severity = data.severity ?? record.severity;
  for (const effect of data.effects) {
    const action = pagingActionFor(effect, severity);
    if (action) await enqueuePage(deps, record, { action, severity, actor: data.actor, tag: `v${data.version}` });
  }
}

async function scheduleFollowingClocks({ deps, data, record, v }: Change): Promise<void> {
  if (data.clocks !== 'keep')
    await step(deps, record, `clocks.${v}`, async () => {
      await scheduleClocks(deps, record, data.clocks === 'stop' ? 'stop' : 'restart');
      return true;
    });
  if (data.effects.includes('resolve'))
    await step(deps, record, `archive.${v}`, async () => {
      await scheduleArchive(deps, record);
      return true;
    });
}

export async function enqueueEffects(
  deps: Pick<ProcessorDeps, 'queues'>,
  data: JobData<'incident-effects'>,
): Promise<void> {
  await deps.queues.enqueue('incident-effects', `incident-effects-${data.incidentId}v${data.version}`, data);
}

export async function enqueueCardRefresh(
  deps: Pick<ProcessorDeps, 'queues'>,
  record: Pick<IncidentRecord, 'id' | 'version' | 'correlationId'>,
): Promise<void> {
  await deps.queues.enqueue('incident-card', `incident-card-${record.id}v${record.version}`, {
    correlationId: record.correlationId,
    incidentId: record.id,
  });
}

// The pinned card and the topic follow the stored state. Refreshes in a burst coalesce: each renders
// whatever is stored when it runs, and one that finds the current version rendered does nothing.
export const incidentCardProcessor: Processor<'incident-card'> = async ({ data, deps, job }) => {
  const lock = await deps.locks.acquire(`incident-card:${data.incidentId}`, {
    jobId: job.id ?? 'card',
    userId: 'ops-bot',
    what: 'refresh the incident card',
  });
  if ('busy' in lock) throw new Error('another refresh of this card is running; retrying');
  try {
    const record = await deps.incidents.get(data.incidentId);
    if (!record?.channelId || !record.cardTs || record.archivedAt) return { skipped: 'no card' };
    const paging = JSON.stringify(pagingStatusOf(record.steps) ?? null);
    if (record.cardVersion >= record.version && (record.steps['card.paging'] ?? 'null') === paging)
      return { skipped: 'current' };
    const bridge = bridgeOf(deps, record);
    try {
      await deps.slack.updateMessage(
        { channel: record.channelId, ts: record.cardTs },
        incidentCardView(record, bridge, servicesOf(deps.catalog, record.services)),
      );
    } catch (error) {
      const code = platformErrorCode(error);
      if (code === 'is_archived') await deps.incidents.setArchived(record.id, deps.now());
      // Archived by hand, or the card deleted: retrying cannot bring either back.
      if (code === 'is_archived' || code === 'message_not_found' || code === 'channel_not_found')
        return { skipped: code };
      throw error;
    }
    const topic = topicOf(record, bridge);
    if (record.steps['topic.text'] !== topic) {
      await deps.slack.call('conversations.setTopic', { channel: record.channelId, topic });
      await deps.incidents.markStep(record.id, 'topic.text', topic);
    }
    await deps.incidents.markCardRendered(record.id, record.version);
    await deps.incidents.markStep(record.id, 'card.paging', paging);
    return { rendered: record.version };
  } finally {
    await lock.lease.release();
  }
};
