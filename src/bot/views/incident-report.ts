import { type IncidentRecord, type TimelineRow } from '../../core/incident-record.ts';
import { esc, unesc } from '../../core/mrkdwn.ts';
import { formatDuration } from '../../core/duration.ts';
import { figuresOf, type IncidentFigures } from '../../core/incident.ts';
import { isUserId } from '../../core/people.ts';
import { actions, ago, context, fields, header, section, view, type Block, type View } from './blocks.ts';
import { SEVERITY_EMOJI, commanderText, markerOf } from './incident-card.ts';

export const INCIDENT_JOIN = 'incident_join';
export const INCIDENT_DECLARE_ANYWAY = 'incident_declare_anyway';

function utc(at: Date): string {
  return `${at.toISOString().slice(11, 19)} UTC`;
}

function timelineLine(row: TimelineRow): string {
  const who = row.kind === 'pin' || row.kind === 'note' ? ` <@${row.actor}>` : '';
  const link = row.permalink ? ` (<${row.permalink}|message>)` : '';
  return `\`${utc(row.at)}\` *${row.kind}*${who}: ${row.text.replace(/\n+/g, ' ')}${link}`;
}

// Slack sections hold 3000 characters: the timeline goes into as many as it needs, newest kept last.
function timelineBlocks(rows: TimelineRow[], maxBlocks: number): Block[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of rows.map(timelineLine)) {
    const clipped = line.length > 2_900 ? `${line.slice(0, 2_899)}…` : line;
    if (current.length + clipped.length + 1 > 2_900) {
      chunks.push(current);
      current = '';
    }
    current += `${current ? '\n' : ''}${clipped}`;
  }
  if (current) chunks.push(current);
  const kept = chunks.slice(-maxBlocks);
  const blocks = kept.map((chunk) => section(chunk));
  const omitted = chunks.length - kept.length;
  if (omitted > 0)
    blocks.unshift(
      context(`…${omitted} earlier part(s) of the timeline are in \`/incident timeline\` and the postmortem draft.`),
    );
  return blocks;
}

export function timelineView(record: IncidentRecord, rows: TimelineRow[]): View {
  return view(`Timeline of ${esc(record.title)}: ${rows.length} entries`, [
    header(`Timeline · ${record.severity} · ${record.title}`),
    ...(rows.length === 0 ? [section('_Nothing recorded yet._')] : timelineBlocks(rows, 40)),
  ]);
}

export function participantsOf(record: IncidentRecord, rows: TimelineRow[]): string[] {
  const people = new Set<string>([record.declaredBy, ...(record.commander ? [record.commander] : [])]);
  for (const row of rows) if (isUserId(row.actor)) people.add(row.actor);
  return [...people];
}

function figureLines(figures: IncidentFigures): [string, string][] {
  return [
    ['Duration', formatDuration(figures.durationMs)],
    [
      'Time to acknowledge',
      figures.timeToAcknowledgeMs === undefined ? 'never acknowledged' : formatDuration(figures.timeToAcknowledgeMs),
    ],
    ['Time to resolve', formatDuration(figures.timeToResolveMs)],
  ];
}

function severityPath(record: IncidentRecord): string {
  return record.severityHistory
    .map((change) => `${change.to} (${utc(new Date(change.at))}, <@${change.by}>)`)
    .join(' → ');
}

// `now` stands in for the resolution of an incident that is still open (a draft written early).
export function incidentFigures(record: IncidentRecord, now: Date): IncidentFigures {
  return figuresOf({
    declaredAt: record.declaredAt,
    acknowledgedAt: record.acknowledgedAt,
    firstResolvedAt: record.firstResolvedAt,
    resolvedAt: record.resolvedAt ?? now,
  });
}

export function summaryView(record: IncidentRecord, rows: TimelineRow[], step: string, now: Date): View {
  const figures = incidentFigures(record, now);
  const participants = participantsOf(record, rows);
  const lines = figureLines(figures);
  return view(`Resolved: ${esc(record.title)}. ${lines.map(([label, value]) => `${label} ${value}`).join(', ')}.`, [
    { ...header(`Resolved · ${record.title}`), block_id: markerOf(record.id, step) },
    fields([
      ...lines,
      ['Commander', commanderText(record)],
      ['Severity', severityPath(record)],
      ['Participants', participants.map((id) => `<@${id}>`).join(' ')],
    ]),
    ...(record.summary ? [section(`*Summary:* ${esc(record.summary)}`)] : []),
    section('*Timeline*'),
    ...timelineBlocks(rows, 40),
    context('A postmortem draft follows as a file; the review questions in it are left for the team.'),
  ]);
}

type Names = (userId: string) => string;

function postmortemFacts(record: IncidentRecord, rows: TimelineRow[], names: Names, now: Date): string[] {
  const participants = participantsOf(record, rows)
    .map((id) => `@${names(id)}`)
    .join(', ');
  const resolvedBy = record.resolvedBy ? ` by @${names(record.resolvedBy)}` : '';
  return [
    `- **Severity:** ${record.severityHistory.map((change) => change.to).join(' → ')}`,
    `- **Declared:** ${record.declaredAt.toISOString()} by @${names(record.declaredBy)}`,
    `- **Resolved:** ${record.resolvedAt?.toISOString() ?? 'not yet'}${resolvedBy}`,
    `- **Commander:** ${record.commander ? `@${names(record.commander)}` : 'none'}`,
    ...figureLines(incidentFigures(record, now)).map(([label, value]) => `- **${label}:** ${value}`),
    `- **Services:** ${record.services.length > 0 ? record.services.join(', ') : 'not recorded'}`,
    `- **Channel:** #${record.channelName ?? '?'}`,
    `- **Participants:** ${participants}`,
  ];
}

// Markdown outside Slack: mentions become @names and Slack's entities are decoded.
function plainText(text: string, names: Names): string {
  return unesc(text.replace(/<@([UW][A-Z0-9]+)>/g, (_match, id: string) => `@${names(id)}`));
}

function postmortemTimelineRow(row: TimelineRow, names: Names): string {
  const time = row.at.toISOString().slice(0, 19).replace('T', ' ');
  const what = plainText(row.text, names).replace(/\|/g, '\\|').replace(/\n+/g, ' ');
  const link = row.permalink ? ` ([link](${row.permalink}))` : '';
  return `| ${time} | ${row.kind} | @${names(row.actor)} | ${what}${link} |`;
}

const POSTMORTEM_QUESTIONS = [
  '## Impact',
  '',
  '_Who was affected, how, and for how long?_',
  '',
  '## Root cause',
  '',
  '_What made this happen? (Ask "why" until the answer is a decision or a system, not a person.)_',
  '',
  '## What went well / what went badly',
  '',
  '- _…_',
  '',
  '## Action items',
  '',
  '| Action | Owner | Due |',
  '|---|---|---|',
  '| _…_ | | |',
  '',
];

// The postmortem draft: facts filled in, the questions only people can answer left open.
export function postmortemMarkdown(record: IncidentRecord, rows: TimelineRow[], names: Names, now: Date): string {
  return [
    `# Postmortem: ${record.title}`,
    '',
    ...postmortemFacts(record, rows, names, now),
    '',
    '## Summary',
    '',
    record.summary ? record.summary : '_What happened, in two sentences._',
    '',
    '## Timeline (UTC)',
    '',
    '| Time | Kind | Who | What |',
    '|---|---|---|---|',
    ...rows.map((row) => postmortemTimelineRow(row, names)),
    '',
    ...POSTMORTEM_QUESTIONS,
  ].join('\n');
}

function incidentChannel(record: IncidentRecord): string {
  if (record.channelId) return `<#${record.channelId}>`;
  return `_${record.setup === 'pending' ? 'setting up' : '?'}_`;
}

function incidentLine(record: IncidentRecord, now: Date): string {
  const state = `${record.status}, declared ${ago(record.declaredAt, now)}, commander ${commanderText(record)}`;
  const title = `${incidentChannel(record)} ${esc(record.title)}`;
  return `${SEVERITY_EMOJI[record.severity]} *${record.severity}* ${title} — ${state}`;
}

export function incidentListView(incidents: IncidentRecord[], now: Date): View {
  if (incidents.length === 0) return view('No open incidents.', [section(':white_check_mark: No open incidents.')]);
  const lines = incidents.map((record) => incidentLine(record, now));
  // A section holds 3000 characters: as many sections as the lines need.
  const sections: string[] = [];
  for (const line of lines) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + line.length + 1 <= 2_900)
      sections[sections.length - 1] = `${last}\n${line}`;
    else sections.push(line.slice(0, 2_900));
  }
  return view(`${incidents.length} open incident(s)`, [
    header(`Open incidents (${incidents.length})`),
    ...sections.map((text) => section(text)),
  ]);
}

export type DeclareAsk = { severity: string; title: string; services: string[]; description?: string | undefined };

function declaredEarlier(existing: IncidentRecord, now: Date): string {
  const declared = `declared ${ago(existing.declaredAt, now)} by <@${existing.declaredBy}>`;
  return `"${esc(existing.title)}" (${existing.severity}) was ${declared}.`;
}

export function duplicatePromptView(existing: IncidentRecord, ask: DeclareAsk, now: Date): View {
  const where = existing.channelId
    ? `<#${existing.channelId}>`
    : `#${existing.channelName ?? 'its channel (being set up)'}`;
  return view(`Is this the same as ${where}?`, [
    section(`:eyes: *Is this the same as ${where}?* ${declaredEarlier(existing, now)}`),
    actions('incident-duplicate', [
      ...(existing.channelId
        ? [
            {
              actionId: INCIDENT_JOIN,
              text: `Join #${existing.channelName ?? 'channel'}`.slice(0, 75),
              value: existing.id,
              style: 'primary' as const,
            },
          ]
        : []),
      { actionId: INCIDENT_DECLARE_ANYWAY, text: 'Declare anyway', value: JSON.stringify(ask).slice(0, 2_000) },
    ]),
  ]);
}
