import { type IncidentRecord } from '../../core/incident-record.ts';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { broadcastView, incidentCardView, noticeView, topicOf } from '../../bot/views/incident-card.ts';
import { postmortemMarkdown, summaryView } from '../../bot/views/incident-report.ts';
import { formatDuration } from '../../core/duration.ts';
import { isMajor, servicesOf } from '../../core/incident.ts';
import { isUserId } from '../../core/people.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { scheduleArchive, scheduleClocks, stopClocks } from './clocks.ts';
import { bridgeOf, postOnce, step } from './steps.ts';

// What follows a change of an incident (see core/incident-events.ts), carried out once per version:
// every post is a recorded step, so a retried job finishes what is missing and repeats nothing.
export const incidentEffectsProcessor: Processor<'incident-effects'> = async ({ data, deps }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record) return { skipped: 'no such incident' };
  // A change made while the channel is still being created waits for it (retried with backoff).
  if (!record.channelId) throw new Error('the incident has no channel yet; retrying');
  const channel = record.channelId;
  const v = `v${data.version}`;
  const { broadcastChannel, escalationChannel } = deps.catalog.incidents;
  for (const effect of data.effects) {
    switch (effect) {
      case 'acknowledged':
        await stopClocks(deps, record, ['ack']);
        await postOnce(
          deps,
          record,
          `ack.${v}`,
          channel,
          noticeView(
            record,
            `ack.${v}`,
            `:white_check_mark: <@${data.actor}> acknowledged${record.commander === data.actor ? ' and is the commander' : ''}.`,
          ),
        );
        break;
      case 'announce-severity': {
        const last = record.severityHistory.at(-1);
        const text = `:arrows_counterclockwise: Severity ${last?.from ?? '?'} → *${record.severity}* (by <@${data.actor}>): ${esc(record.title)}`;
        const clocks = deps.catalog.incidents.severities[record.severity];
        const next = record.acknowledgedAt
          ? clocks.updateEvery
            ? `a status update is due every ${formatDuration(clocks.updateEvery)}`
            : 'no update clock at this severity'
          : `acknowledge within ${formatDuration(clocks.ackWithin)}`;
        await postOnce(
          deps,
          record,
          `severity.${v}`,
          channel,
          noticeView(record, `severity.${v}`, `${text}. Clocks start again: ${next}.`),
        );
        if (broadcastChannel)
          await postOnce(
            deps,
            record,
            `severity-broadcast.${v}`,
            broadcastChannel,
            broadcastView(record, `severity-broadcast.${v}`, text),
          );
        if (escalationChannel && isMajor(record.severity))
          await postOnce(
            deps,
            record,
            `severity-escalation.${v}`,
            escalationChannel,
            broadcastView(record, `severity-escalation.${v}`, text),
          );
        break;
      }
      case 'post-update':
        await postOnce(
          deps,
          record,
          `update.${v}`,
          channel,
          noticeView(
            record,
            `update.${v}`,
            `:mega: *Update* (${record.status}) from <@${data.actor}>: ${esc(data.text ?? '')}`,
          ),
        );
        break;
      case 'resolve':
        await resolve(deps, record, v);
        break;
      case 'reopen':
        if (record.archivedAt) {
          await deps.slack.call('conversations.unarchive', { channel }).catch((error: unknown) => {
            if (platformErrorCode(error) !== 'not_archived') throw error;
          });
          await deps.incidents.setArchived(record.id, undefined);
          record.archivedAt = undefined;
        }
        await postOnce(
          deps,
          record,
          `reopen.${v}`,
          channel,
          noticeView(
            record,
            `reopen.${v}`,
            `:leftwards_arrow_with_hook: Reopened by <@${data.actor}>. Clocks run again.`,
          ),
        );
        if (broadcastChannel)
          await postOnce(
            deps,
            record,
            `reopen-broadcast.${v}`,
            broadcastChannel,
            broadcastView(record, `reopen-broadcast.${v}`, `*Reopened (${record.severity}):* ${esc(record.title)}`),
          );
        break;
    }
  }
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
  await enqueueCardRefresh(deps, record);
  await deps.incidents.markStep(record.id, `effects.${v}.done`, true);
  return { effects: data.effects };
};

// Summary, postmortem draft, announcement. The summary is recorded as posted for this version;
// the archive job waits for that mark.
async function resolve(deps: ProcessorDeps, record: IncidentRecord, v: string): Promise<void> {
  const channel = record.channelId!;
  const rows = await deps.incidents.timeline(record.id);
  const summary = await postOnce(
    deps,
    record,
    `summary.${v}`,
    channel,
    summaryView(record, rows, `summary.${v}`, deps.now()),
  );
  await step(deps, record, `postmortem.${v}`, async () => {
    const names = await namesOf(deps, rows.map((row) => row.actor).concat(record.declaredBy, record.commander ?? []));
    const markdown = postmortemMarkdown(record, rows, (id) => names.get(id) ?? id, deps.now());
    return deps.slack.uploadFile(channel, {
      filename: `postmortem-${record.channelName ?? record.id}.md`,
      title: `Postmortem draft: ${record.title}`,
      content: markdown,
      comment: 'Postmortem draft: the facts are filled in, the review questions are for you.',
      ...(summary ? { threadTs: summary } : {}),
    });
  });
  await deps.incidents.markStep(record.id, 'summary.posted', record.version);
  const { broadcastChannel, escalationChannel } = deps.catalog.incidents;
  const figures = `after ${formatDuration((record.resolvedAt ?? deps.now()).getTime() - record.declaredAt.getTime())}`;
  const text = `:white_check_mark: *Resolved (${record.severity}):* ${esc(record.title)} — ${figures}${record.summary ? `: ${esc(record.summary)}` : ''}`;
  if (broadcastChannel)
    await postOnce(
      deps,
      record,
      `resolved-broadcast.${v}`,
      broadcastChannel,
      broadcastView(record, `resolved-broadcast.${v}`, text),
    );
  if (escalationChannel && record.severityHistory.some((change) => isMajor(change.to)))
    await postOnce(
      deps,
      record,
      `resolved-escalation.${v}`,
      escalationChannel,
      broadcastView(record, `resolved-escalation.${v}`, text),
    );
}

// Display names for the postmortem (a Markdown file does not render <@U…>).
async function namesOf(deps: ProcessorDeps, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    if (!isUserId(id)) continue;
    const answer = await deps.slack.call('users.info', { user: id }).catch(() => undefined);
    const user = answer?.user as { name?: unknown } | undefined;
    if (typeof user?.name === 'string') names.set(id, user.name);
  }
  return names;
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
    if (record.cardVersion >= record.version) return { skipped: 'current' };
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
    return { rendered: record.version };
  } finally {
    await lock.lease.release();
  }
};
