import { formatDuration } from '../../core/duration.ts';
import { lastLinesWithin, type LookedEvent, type PodRow } from '../../core/lookups.ts';
import { esc } from '../../core/mrkdwn.ts';
import { context, section, view, type View } from './blocks.ts';

// The answers of /ops pods, events and logs: ephemeral, one message each.

type Where = { service: string; env: string; namespace: string };

const ageOf = (ms: number | undefined) => (ms === undefined ? '?' : formatDuration(ms));

function podLine(row: PodRow): string {
  const mark = row.problem
    ? ':red_circle:'
    : row.ready.startsWith('0/')
      ? ':large_yellow_circle:'
      : ':white_check_mark:';
  const counts = `ready ${row.ready}, ${row.restarts} restarts`;
  const facts = `${row.phase}, ${counts}, ${ageOf(row.ageMs)} old, \`${esc(row.image)}\``;
  const problem = row.problem ? `\n      ${esc(row.problem)}` : '';
  return `${mark} \`${row.name}\` ${facts}${problem}`;
}

export function podsView(where: Where, rows: PodRow[]): View {
  const count = `${rows.length} pod${rows.length === 1 ? '' : 's'}`;
  const title = `*${where.service}* in *${where.env}* (${where.namespace}): ${count}`;
  if (rows.length === 0) {
    const text = `${title}.\nNo pods: the Deployment has none running, or it does not exist in this namespace.`;
    return view(text, [section(text)]);
  }
  const lines = rows.slice(0, 30).map(podLine);
  const more = rows.length > 30 ? `\n… and ${rows.length - 30} more` : '';
  const text = `${title}\n${lines.join('\n')}${more}`;
  return view(text, [
    section(text),
    context(`\`/ops logs ${where.service} ${where.env} --pod <name>\` shows a pod's last lines.`),
  ]);
}

const EVENT_LINES = 25;

function eventLine(event: LookedEvent, now: Date, redact: (text: string) => string): string {
  const mark = event.type === 'Warning' ? ':warning: *Warning*' : 'Normal';
  const ago = event.at ? `${formatDuration(now.getTime() - event.at.getTime())} ago` : 'at an unknown time';
  const times = event.count > 1 ? ` (×${event.count})` : '';
  const about = `${event.kind}/${esc(event.name)}`;
  return `${mark} ${ago} ${about} *${esc(event.reason)}*${times}: ${esc(redact(event.message))}`;
}

export function eventsView(where: Where, events: LookedEvent[], now: Date, redact: (text: string) => string): View {
  const title = `*${where.service}* in *${where.env}*: the ${Math.min(events.length, EVENT_LINES)} newest events`;
  if (events.length === 0) {
    const text = `*${where.service}* in *${where.env}*: no recent events (Kubernetes keeps them about an hour).`;
    return view(text, [section(text)]);
  }
  const lines = events.slice(0, EVENT_LINES).map((event) => eventLine(event, now, redact));
  const more = events.length > EVENT_LINES ? [context(`${events.length - EVENT_LINES} older events not shown.`)] : [];
  const text = `${title}\n${lines.join('\n')}`;
  return view(text, [section(text), ...more]);
}

export type LogsShown = {
  pod: string;
  container: string;
  problem: string | undefined;
  lines: string[];
  cut: number;
  total: number;
  chosen: boolean;
  file: 'sent' | 'none';
};

// Code blocks end at ```; a log line must not end ours early. A very long line is clipped.
const inert = (line: string) => esc(line.length > 400 ? `${line.slice(0, 399)}…` : line).replace(/```/g, "'''");
// What a section's 3000 characters hold of a log, after the fences.
const LOG_BLOCK_CHARS = 2_900;

// The last lines that fit in one message, made inert; `cut` earlier ones did not fit.
export function fitLogLines(lines: string[]): { shown: string[]; cut: number } {
  return lastLinesWithin(lines.map(inert), LOG_BLOCK_CHARS);
}

export function logsView(where: Where, shown: LogsShown): View {
  const which = shown.chosen ? ' (the failing pod, else the newest ready one: `--pod` names another)' : '';
  const problem = shown.problem ? `\n:red_circle: ${esc(shown.problem)}` : '';
  const whose = `\`${shown.pod}\` container \`${esc(shown.container)}\``;
  const title = `*${where.service}* in *${where.env}*: ${whose}${which}${problem}`;
  const notes: string[] = [];
  if (shown.cut > 0)
    notes.push(
      `Showing the last ${shown.lines.length} of ${shown.total} lines` +
        (shown.file === 'sent' ? '; all of them are coming to you as a file in a direct message.' : '.'),
    );
  notes.push("Lines are redacted by the catalog's `redact` patterns.");
  if (shown.total === 0) {
    const text = `${title}\nNo log lines in that window.`;
    return view(text, [section(text), context(...notes)]);
  }
  const block = `\`\`\`${shown.lines.join('\n')}\`\`\``;
  // The notification text leaves the lines out: a preview is no place for a log.
  return view(`${title}\n${notes.join(' ')}`, [section(title), section(block), context(...notes)]);
}

export function slowClusterView(env: string): View {
  const text = `The ${env} cluster is slow to answer; the result will replace this message when it comes.`;
  return view(text, [section(text)]);
}
