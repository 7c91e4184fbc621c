import { esc } from '../../core/mrkdwn.ts';
import { formatBytes } from '../../core/bytes.ts';
import { formatDuration } from '../../core/duration.ts';
import { code, context, section, slackDate, view, type Block, type View } from './blocks.ts';

// What scheduled backups post to backups.reportChannel: a result (failures, or every one with
// `report: always`), an RPO breach (once per breach), and the weekly digest.

export type ScheduledBackupResult =
  | { database: string; outcome: 'succeeded'; backupId: string; sizeBytes: number | undefined; durationMs: number }
  | { database: string; outcome: 'failed'; backupId: string | undefined; failure: string };

export function scheduledBackupView(result: ScheduledBackupResult): View {
  if (result.outcome === 'failed') {
    const which = result.backupId ? ` (${code(result.backupId)})` : '';
    const text = `Scheduled backup of ${result.database} failed${which}: ${result.failure}`;
    return view(text, [section(`:x: Scheduled backup of *${result.database}* failed${which}: ${esc(result.failure)}`)]);
  }
  const size = result.sizeBytes !== undefined ? `, ${formatBytes(result.sizeBytes)}` : '';
  const done = `${code(result.backupId)}${size}, in ${formatDuration(result.durationMs)}`;
  return view(`Scheduled backup of ${result.database} succeeded: ${result.backupId}`, [
    section(`:white_check_mark: Scheduled backup of *${result.database}* succeeded: ${done}`),
  ]);
}

export function scheduledVerifyView(database: string, backupId: string, failure: string | undefined): View {
  if (failure !== undefined)
    return view(`Scheduled restore drill of ${database} failed (${backupId}): ${failure}`, [
      section(`:x: Scheduled restore drill of *${database}* failed (${code(backupId)}): ${esc(failure)}`),
    ]);
  return view(`Scheduled restore drill of ${database} passed (${backupId})`, [
    section(`:white_check_mark: Scheduled restore drill of *${database}* passed (${code(backupId)}).`),
  ]);
}

export type RpoBreach = { database: string; rpoMs: number; newest: { id: string; createdAt: Date } | undefined };

export function rpoBreachView({ database, rpoMs, newest }: RpoBreach, now: Date): View {
  const rpo = formatDuration(rpoMs);
  const what = newest
    ? `its newest good backup ${code(newest.id)} is ${formatDuration(now.getTime() - newest.createdAt.getTime())} old`
    : 'it has no good backup';
  const text = `RPO breached: ${database} has no good backup within its RPO of ${rpo}: ${what}.`;
  return view(text.replace(/`/g, ''), [
    section(`:rotating_light: *RPO breached:* *${database}* has no good backup within its RPO of ${rpo}: ${what}.`),
    context(`\`/backup ${database}\` takes one now. This is posted once per breach.`),
  ]);
}

export type DigestRow = {
  database: string;
  rpoMs: number | undefined;
  last: { id: string; status: string; createdAt: Date } | undefined;
  newestGood: { id: string; createdAt: Date } | undefined;
  lastVerify: { backupId: string; at: Date } | undefined;
  nextRun: Date | undefined;
};

// One line per database: its last backup, its newest good one's age against its RPO, its last
// successful restore drill, and its next scheduled run.
export function digestLine(row: DigestRow, now: Date): string {
  const age = (at: Date) => formatDuration(now.getTime() - at.getTime());
  const last = row.last ? `last backup ${row.last.id} ${row.last.status} ${age(row.last.createdAt)} ago` : 'no backup';
  const good = row.newestGood?.createdAt;
  const against =
    row.rpoMs === undefined
      ? ' (no RPO set)'
      : ` against RPO ${formatDuration(row.rpoMs)}${overRpo(row, now) ? ' (over the RPO)' : ' (within)'}`;
  const newest = `${good ? `newest good ${age(good)} old` : 'no good backup'}${against}`;
  const verify = row.lastVerify
    ? `last successful verify ${age(row.lastVerify.at)} ago (${row.lastVerify.backupId})`
    : 'never verified';
  return `${row.database}: ${last}; ${newest}; ${verify}`;
}

function overRpo(row: DigestRow, now: Date): boolean {
  const good = row.newestGood?.createdAt;
  return row.rpoMs !== undefined && (!good || now.getTime() - good.getTime() > row.rpoMs);
}

export function digestView(rows: DigestRow[], now: Date): View {
  if (rows.length === 0)
    return view('Backup digest: the catalog has no databases.', [section('Backup digest: no databases.')]);
  const blocks: Block[] = [section(`:card_index: *Weekly backup digest* (${rows.length} databases)`)];
  for (const row of rows.slice(0, 45)) {
    const icon = overRpo(row, now) ? ':red_circle:' : ':large_green_circle:';
    const next = row.nextRun ? ` Next run ${slackDate(row.nextRun, '{date_short_pretty} {time}')}.` : '';
    blocks.push(section(`${icon} ${esc(digestLine(row, now))}.${next}`));
  }
  return view(`Weekly backup digest:\n${rows.map((row) => digestLine(row, now)).join('\n')}`, blocks);
}

// `/backup list` and `/ops status`: when each scheduled backup runs next (nothing when none is scheduled).
export function withNextBackups(shown: View, next: Map<string, Date>): View {
  if (next.size === 0) return shown;
  const runs = [...next].map(([database, at]) => `${database} ${slackDate(at, '{date_short_pretty} {time}')}`);
  const plain = [...next].map(([database, at]) => `${database} ${at.toISOString()}`);
  return {
    text: `${shown.text}\nNext scheduled backup: ${plain.join(', ')}`,
    blocks: [...shown.blocks, context(`:calendar: Next scheduled backup: ${runs.join(', ')}`)],
  };
}
