import { type IncidentRecord } from '../../core/incident-record.ts';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { slackDate } from '../../bot/views/blocks.ts';
import { noticeView } from '../../bot/views/incident-card.ts';
import type { Catalog } from '../../core/catalog.ts';
import { formatDuration } from '../../core/duration.ts';
import { archiveTimes } from '../../core/incident.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { schedule } from './clocks.ts';
import { mentionsOf, postOnce, usersOf } from './steps.ts';

type SeverityClocks = Catalog['incidents']['severities'][IncidentRecord['severity']];

// What every alarm of one fired clock works with: the incident, its channel and its severity.
type Alarm = {
  deps: ProcessorDeps;
  data: JobData<'incident-clock'>;
  record: IncidentRecord;
  channel: string;
  severity: SeverityClocks;
};

export const incidentClockProcessor: Processor<'incident-clock'> = async ({ data, deps }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record || record.clockGen !== data.generation || !record.channelId) return { skipped: 'stale clock' };
  if (record.archivedAt) return { skipped: 'archived' };
  const severity = deps.catalog.incidents.severities[record.severity];
  const alarm: Alarm = { deps, data, record, channel: record.channelId, severity };
  switch (data.clock) {
    case 'ack':
      return escalate(alarm);
    case 'update':
      return remindToUpdate(alarm);
    case 'archive-notice':
      return noticeArchive(alarm);
    case 'archive':
      return archive(alarm);
  }
};

async function auditClock(alarm: Alarm, action: string, reason: string): Promise<void> {
  await alarm.deps.audit.record({
    event: 'clock',
    decision: action,
    actor: 'ops-bot',
    correlationId: alarm.data.correlationId,
    channel: alarm.channel,
    action: `incident.${action}`,
    target: `incident/${alarm.record.id}`,
    reason,
  });
}

async function escalate(alarm: Alarm): Promise<unknown> {
  const { deps, data, record, channel, severity } = alarm;
  if (record.acknowledgedAt || record.status === 'resolved') return { skipped: 'acknowledged' };
  const who = await mentionsOf(
    deps,
    severity.escalateTo.length > 0 ? severity.escalateTo : deps.catalog.incidents.oncall,
  );
  const within = formatDuration(severity.ackWithin);
  const step = `escalated.g${data.generation}`;
  await postOnce(deps, record, step, channel, noticeView(record, step, escalationText(within, who)));
  if (record.archivedAt) return { skipped: 'archived meanwhile' };
  await escalateOutside(alarm, within, who);
  await inviteEscalation(alarm);
  await deps.incidents.addTimeline(record.id, {
    kind: 'escalated',
    actor: 'ops-bot',
    text: `Not acknowledged within ${within}; escalated to ${who}`,
    at: deps.now(),
    sourceTs: step,
  });
  await auditClock(alarm, 'escalate', `not acknowledged within ${within}`);
  return { escalated: true };
}

function escalationText(within: string, who: string): string {
  const whom = who || 'nobody (the catalog names no one to escalate to)';
  const headline = `:rotating_light: *Not acknowledged within ${within}* — escalating to ${whom}.`;
  return `${headline} Press *Acknowledge / I'm commander* on the pinned card.`;
}

// The catalog's escalation channel, if any, hears of it too.
async function escalateOutside(alarm: Alarm, within: string, who: string): Promise<void> {
  const { deps, data, record, channel } = alarm;
  const escalation = deps.catalog.incidents.escalationChannel;
  if (!escalation) return;
  const step = `escalated-out.g${data.generation}`;
  const incident = `*${record.severity}* <#${channel}> "${esc(record.title)}"`;
  const text = `:rotating_light: ${incident} is not acknowledged after ${within}. ${who}`;
  await postOnce(deps, record, step, escalation, noticeView(record, step, text));
}

async function inviteEscalation(alarm: Alarm): Promise<void> {
  const { deps, channel, severity } = alarm;
  const invitees = await usersOf(deps, severity.escalateTo);
  if (invitees.length === 0) return;
  await deps.slack
    .call('conversations.invite', { channel, users: invitees.slice(0, 100).join(','), force: true })
    .catch((error: unknown) =>
      deps.logger.info({ code: platformErrorCode(error) }, 'escalation invite answered with per-user errors'),
    );
}

async function remindToUpdate(alarm: Alarm): Promise<unknown> {
  const { deps, data, record, channel, severity } = alarm;
  if (record.status === 'resolved' || !severity.updateEvery) return { skipped: 'resolved' };
  const now = deps.now().getTime();
  const dueAt = record.lastUpdateAt.getTime() + severity.updateEvery;
  if (dueAt > now + 1_000) {
    await schedule(deps, record, 'update', dueAt);
    return { rescheduled: dueAt };
  }
  const who = record.commander ? `<@${record.commander}>` : await mentionsOf(deps, deps.catalog.incidents.oncall);
  const step = `reminder.${data.due}`;
  const silence = formatDuration(now - record.lastUpdateAt.getTime());
  const asked = `${record.severity} asks for one every ${formatDuration(severity.updateEvery)}`;
  const text = `:hourglass: ${who} no status update for ${silence} (${asked}). Press *Post update* on the card.`;
  await postOnce(deps, record, step, channel, noticeView(record, step, text));
  await schedule(deps, record, 'update', now + severity.updateEvery);
  return { reminded: true };
}

async function noticeArchive(alarm: Alarm): Promise<unknown> {
  const { deps, data, record, channel } = alarm;
  if (record.status !== 'resolved' || !record.resolvedAt) return { skipped: 'open' };
  const at = archiveTimes(record.resolvedAt, deps.catalog.incidents.archiveAfter).archive;
  const step = `archive-notice.g${data.generation}`;
  const when = slackDate(at, '{date_short_pretty} at {time}');
  const reopen = '`/incident reopen` keeps it open (within 24 hours of the resolution).';
  const text = `:file_cabinet: This channel will be archived ${when}. ${reopen}`;
  await postOnce(deps, record, step, channel, noticeView(record, step, text));
  return { noticed: true };
}

async function archive(alarm: Alarm): Promise<unknown> {
  const { deps, record, channel } = alarm;
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
  await auditClock(
    alarm,
    'archive',
    `archived ${formatDuration(deps.catalog.incidents.archiveAfter)} after the resolution`,
  );
  return { archived: true };
}
