import { type IncidentRecord } from '../../core/incident-record.ts';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { broadcastView, noticeView } from '../../bot/views/incident-card.ts';
import type { Catalog } from '../../core/catalog.ts';
import { formatDuration } from '../../core/duration.ts';
import { isMajor } from '../../core/incident.ts';
import type { JobData } from '../job-data.ts';
import type { ProcessorDeps } from '../processor.ts';
import { stopClocks } from './clocks.ts';
import { postOnce } from './steps.ts';

// One version's change of an incident, as its effects see it; `v` names the version in step names.
export type Change = {
  deps: ProcessorDeps;
  data: JobData<'incident-effects'>;
  record: IncidentRecord;
  channel: string;
  v: string;
};

type SeverityClocks = Catalog['incidents']['severities'][IncidentRecord['severity']];

async function notice(change: Change, step: string, text: string): Promise<void> {
  const { deps, record, channel } = change;
  await postOnce(deps, record, step, channel, noticeView(record, step, text));
}

async function broadcast(change: Change, step: string, channel: string | undefined, text: string): Promise<void> {
  const { deps, record } = change;
  if (channel) await postOnce(deps, record, step, channel, broadcastView(record, step, text));
}

export async function announceAcknowledged(change: Change): Promise<void> {
  const { deps, data, record, v } = change;
  await stopClocks(deps, record, ['ack']);
  const commander = record.commander === data.actor ? ' and is the commander' : '';
  await notice(change, `ack.${v}`, `:white_check_mark: <@${data.actor}> acknowledged${commander}.`);
}

export async function announceSeverity(change: Change): Promise<void> {
  const { deps, data, record, v } = change;
  const { broadcastChannel, escalationChannel } = deps.catalog.incidents;
  const from = record.severityHistory.at(-1)?.from ?? '?';
  const moved = `Severity ${from} → *${record.severity}*`;
  const text = `:arrows_counterclockwise: ${moved} (by <@${data.actor}>): ${esc(record.title)}`;
  const next = nextClock(record, deps.catalog.incidents.severities[record.severity]);
  await notice(change, `severity.${v}`, `${text}. Clocks start again: ${next}.`);
  await broadcast(change, `severity-broadcast.${v}`, broadcastChannel, text);
  if (isMajor(record.severity)) await broadcast(change, `severity-escalation.${v}`, escalationChannel, text);
}

function nextClock(record: IncidentRecord, clocks: SeverityClocks): string {
  if (!record.acknowledgedAt) return `acknowledge within ${formatDuration(clocks.ackWithin)}`;
  if (!clocks.updateEvery) return 'no update clock at this severity';
  return `a status update is due every ${formatDuration(clocks.updateEvery)}`;
}

export async function announceUpdate(change: Change): Promise<void> {
  const { data, record, v } = change;
  const text = `:mega: *Update* (${record.status}) from <@${data.actor}>: ${esc(data.text ?? '')}`;
  await notice(change, `update.${v}`, text);
}

export async function reopen(change: Change): Promise<void> {
  const { deps, data, record, channel, v } = change;
  if (record.archivedAt) {
    await deps.slack.call('conversations.unarchive', { channel }).catch((error: unknown) => {
      if (platformErrorCode(error) !== 'not_archived') throw error;
    });
    await deps.incidents.setArchived(record.id, undefined);
    record.archivedAt = undefined;
  }
  await notice(change, `reopen.${v}`, `:leftwards_arrow_with_hook: Reopened by <@${data.actor}>. Clocks run again.`);
  const text = `*Reopened (${record.severity}):* ${esc(record.title)}`;
  await broadcast(change, `reopen-broadcast.${v}`, deps.catalog.incidents.broadcastChannel, text);
}
