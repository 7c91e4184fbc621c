import { type IncidentRecord } from '../../core/incident-record.ts';
import { esc } from '../../core/mrkdwn.ts';
import { broadcastView } from '../../bot/views/incident-card.ts';
import { postmortemMarkdown, summaryView } from '../../bot/views/incident-report.ts';
import { formatDuration } from '../../core/duration.ts';
import { isMajor } from '../../core/incident.ts';
import { isUserId } from '../../core/people.ts';
import type { ProcessorDeps } from '../processor.ts';
import type { Change } from './announcements.ts';
import { postOnce, step } from './steps.ts';

// Summary, postmortem draft, announcement. The summary is recorded as posted for this version;
// the archive job waits for that mark.
export async function resolve({ deps, record, channel, v }: Change): Promise<void> {
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
  await announceResolved(deps, record, v);
}

async function announceResolved(deps: ProcessorDeps, record: IncidentRecord, v: string): Promise<void> {
  const { broadcastChannel, escalationChannel } = deps.catalog.incidents;
  const text = resolvedText(deps, record);
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

function resolvedText(deps: ProcessorDeps, record: IncidentRecord): string {
  const lasted = (record.resolvedAt ?? deps.now()).getTime() - record.declaredAt.getTime();
  const summary = record.summary ? `: ${esc(record.summary)}` : '';
  const headline = `:white_check_mark: *Resolved (${record.severity}):* ${esc(record.title)}`;
  return `${headline} — after ${formatDuration(lasted)}${summary}`;
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
