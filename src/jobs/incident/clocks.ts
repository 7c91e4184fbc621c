import { type IncidentRecord } from '../../core/incident-record.ts';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { noticeView, slackDate } from '../../bot/views/incident-card.ts';
import { formatDuration } from '../../core/duration.ts';
import { hashOf } from '../../core/ids.ts';
import { archiveTimes } from '../../core/incident.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { mentionsOf, postOnce, usersOf } from './steps.ts';

type Clock = 'ack' | 'update' | 'archive-notice' | 'archive';
const ALL_CLOCKS: Clock[] = ['ack', 'update', 'archive-notice', 'archive'];

function clockJobId(record: IncidentRecord, clock: Clock, due: number): string {
  return `incident-clock-${hashOf(`${record.id}:${clock}:${record.clockGen}:${due}`).slice(0, 16)}`;
}

// A clock is a delayed BullMQ job stamped with the incident's clock generation. A severity change,
// a resolve or a reopen moves the generation on and removes the pending jobs; one that still fires
// finds its generation stale and does nothing.
async function schedule(deps: ProcessorDeps, record: IncidentRecord, clock: Clock, due: number): Promise<void> {
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

export const incidentClockProcessor: Processor<'incident-clock'> = async ({ data, deps }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record || record.clockGen !== data.generation || !record.channelId) return { skipped: 'stale clock' };
  if (record.archivedAt) return { skipped: 'archived' };
  const channel = record.channelId;
  const severity = deps.catalog.incidents.severities[record.severity];
  const audit = (action: string, reason: string) =>
    deps.audit.record({
      event: 'clock',
      decision: action,
      actor: 'ops-bot',
      correlationId: data.correlationId,
      channel,
      action: `incident.${action}`,
      target: `incident/${record.id}`,
      reason,
    });
  switch (data.clock) {
    case 'ack': {
      if (record.acknowledgedAt || record.status === 'resolved') return { skipped: 'acknowledged' };
      const who =
        severity.escalateTo.length > 0
          ? await mentionsOf(deps, severity.escalateTo)
          : await mentionsOf(deps, deps.catalog.incidents.oncall);
      const text = `:rotating_light: *Not acknowledged within ${formatDuration(severity.ackWithin)}* — escalating to ${who || 'nobody (the catalog names no one to escalate to)'}. Press *Acknowledge / I'm commander* on the pinned card.`;
      await postOnce(
        deps,
        record,
        `escalated.g${data.generation}`,
        channel,
        noticeView(record, `escalated.g${data.generation}`, text),
      );
      if (record.archivedAt) return { skipped: 'archived meanwhile' };
      const escalation = deps.catalog.incidents.escalationChannel;
      if (escalation)
        await postOnce(
          deps,
          record,
          `escalated-out.g${data.generation}`,
          escalation,
          noticeView(
            record,
            `escalated-out.g${data.generation}`,
            `:rotating_light: *${record.severity}* <#${channel}> "${esc(record.title)}" is not acknowledged after ${formatDuration(severity.ackWithin)}. ${who}`,
          ),
        );
      const invitees = await usersOf(deps, severity.escalateTo);
      if (invitees.length > 0)
        await deps.slack
          .call('conversations.invite', { channel, users: invitees.slice(0, 100).join(','), force: true })
          .catch((error: unknown) =>
            deps.logger.info({ code: platformErrorCode(error) }, 'escalation invite answered with per-user errors'),
          );
      await deps.incidents.addTimeline(record.id, {
        kind: 'escalated',
        actor: 'ops-bot',
        text: `Not acknowledged within ${formatDuration(severity.ackWithin)}; escalated to ${who}`,
        at: deps.now(),
        sourceTs: `escalated.g${data.generation}`,
      });
      await audit('escalate', `not acknowledged within ${formatDuration(severity.ackWithin)}`);
      return { escalated: true };
    }
    case 'update': {
      if (record.status === 'resolved' || !severity.updateEvery) return { skipped: 'resolved' };
      const now = deps.now().getTime();
      const dueAt = record.lastUpdateAt.getTime() + severity.updateEvery;
      if (dueAt > now + 1_000) {
        await schedule(deps, record, 'update', dueAt);
        return { rescheduled: dueAt };
      }
      const who = record.commander ? `<@${record.commander}>` : await mentionsOf(deps, deps.catalog.incidents.oncall);
      const step = `reminder.${data.due}`;
      await postOnce(
        deps,
        record,
        step,
        channel,
        noticeView(
          record,
          step,
          `:hourglass: ${who} no status update for ${formatDuration(now - record.lastUpdateAt.getTime())} (${record.severity} asks for one every ${formatDuration(severity.updateEvery)}). Press *Post update* on the card.`,
        ),
      );
      await schedule(deps, record, 'update', now + severity.updateEvery);
      return { reminded: true };
    }
    case 'archive-notice': {
      if (record.status !== 'resolved' || !record.resolvedAt) return { skipped: 'open' };
      const at = archiveTimes(record.resolvedAt, deps.catalog.incidents.archiveAfter).archive;
      const step = `archive-notice.g${data.generation}`;
      await postOnce(
        deps,
        record,
        step,
        channel,
        noticeView(
          record,
          step,
          `:file_cabinet: This channel will be archived ${slackDate(at, '{date_short_pretty} at {time}')}. \`/incident reopen\` keeps it open (within 24 hours of the resolution).`,
        ),
      );
      return { noticed: true };
    }
    case 'archive': {
      if (record.status !== 'resolved' || record.archivedAt) return { skipped: 'open or archived' };
      // Never before the summary: a resolve whose summary is still being posted archives later.
      if (record.steps['summary.posted'] !== record.version)
        throw new Error('the summary is not posted yet; archiving later');
      try {
        await deps.slack.call('conversations.archive', { channel });
      } catch (error) {
        if (platformErrorCode(error) !== 'already_archived') throw error;
      }
      await deps.incidents.setArchived(record.id, deps.now());
      await deps.incidents.addTimeline(record.id, {
        kind: 'archived',
        actor: 'ops-bot',
        text: 'Channel archived',
        at: deps.now(),
      });
      await audit('archive', `archived ${formatDuration(deps.catalog.incidents.archiveAfter)} after the resolution`);
      return { archived: true };
    }
  }
};
