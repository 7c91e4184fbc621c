import { formatDuration } from '../../core/duration.ts';
import type { Release, ReleaseChange, ReleaseOutcome } from '../../core/release.ts';
import { code, context, section, shortReason, slackDate, view, type View } from './blocks.ts';

const OUTCOME: Record<ReleaseOutcome, [icon: string, words: string]> = {
  succeeded: [':white_check_mark:', 'succeeded'],
  failed: [':x:', 'failed'],
  rolled_back_auto: [':leftwards_arrow_with_hook:', 'failed, rolled back automatically'],
  rolled_back: [':rewind:', 'succeeded, later rolled back'],
  cancelled: [':no_entry_sign:', 'cancelled'],
  refused: [':no_entry:', 'refused'],
  superseded: [':fast_forward:', 'superseded'],
  interrupted: [':warning:', 'interrupted'],
};

// A section holds at most 3,000 characters; lines are packed below that.
const SECTION_CHARS = 2_900;

export function outcomeOf(release: Release): string {
  if (release.outcome === null) return ':hourglass_flowing_sand: in progress';
  const [icon, words] = OUTCOME[release.outcome];
  return `${icon} ${words}`;
}

function line({ release, from }: ReleaseChange): string {
  const at = slackDate(release.startedAt, '{date_short_pretty} {time}');
  const reason = release.reason ? ` — ${shortReason(release.reason)}` : '';
  return (
    `${at}  *${release.service} ${release.env}*  ${from ?? '…'} → ${release.version}  ${release.kind}` +
    `  by <@${release.requester}>  ${outcomeOf(release)}${reason}  ${code(release.jobId)}`
  );
}

export function packed(lines: string[]): string[] {
  const chunks: string[] = [];
  for (const next of lines) {
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last]!.length + next.length + 1 <= SECTION_CHARS) chunks[last] += `\n${next}`;
    else chunks.push(next);
  }
  return chunks;
}

// /ops history: what changed, newest first. `scope` is the service or environment asked about.
export function releaseHistoryView(
  changes: ReleaseChange[],
  scope: string | undefined,
  sinceMs: number,
  limit: number,
): View {
  const where = scope ? `in ${code(scope)}` : 'anywhere';
  const span = `in the last ${formatDuration(sinceMs)}`;
  if (changes.length === 0) {
    const text = `Nothing changed ${where} ${span}.`;
    return view(text, [section(text)]);
  }
  const lines = changes.map(line);
  const title = `*What changed ${where} ${span}* (newest first)`;
  const more =
    changes.length >= limit
      ? [
          context(
            `Only the newest ${limit} are shown: narrow it with a service, an environment or a shorter \`--since\`.`,
          ),
        ]
      : [];
  return view(`What changed ${where} ${span}:\n${lines.join('\n')}`, [
    section(title),
    ...packed(lines).map((chunk) => section(chunk)),
    ...more,
  ]);
}
