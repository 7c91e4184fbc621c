import { type BackupRecord } from '../../core/backup.ts';
import { esc } from '../../core/mrkdwn.ts';
import { formatBytes } from '../../core/bytes.ts';
import { formatDuration } from '../../core/duration.ts';
import { actions, ago, code, context, section, view, type Block, type View } from './blocks.ts';

export type BackupPhase = 'running' | 'available' | 'failed' | 'interrupted';
export type BackupViewState = {
  database: string;
  engine: string;
  source: string;
  jobId: string;
  requester: string;
  reason: string | undefined;
  phase: BackupPhase;
  id: string | undefined;
  percent?: number | undefined;
  bytes?: number | undefined;
  sizeBytes?: number | undefined;
  durationMs?: number | undefined;
  failure?: string | undefined;
  // The catalog's `verify.allowed`: a Verify button that can only be refused is not offered.
  verifiable?: boolean;
};

export const BACKUP_VERIFY = 'backup_verify';
export const BACKUP_RESTORE = 'backup_restore';
export const BACKUP_DELETE = 'backup_delete';

function bar(percent: number): string {
  const filled = Math.round(percent / 10);
  return `\`${'█'.repeat(filled)}${'░'.repeat(10 - filled)}\` ${percent}%`;
}

export function backupView(state: BackupViewState): View {
  const head = { running: ':floppy_disk:', available: ':white_check_mark:', failed: ':x:', interrupted: ':warning:' }[
    state.phase
  ];
  const words = { running: 'backing up', available: 'backed up', failed: 'backup failed', interrupted: 'interrupted' }[
    state.phase
  ];
  const lines = [`${head} *${state.database}* (${state.engine} ${code(state.source)}) — ${words}`];
  if (state.phase === 'running') {
    if (state.percent !== undefined) lines.push(bar(state.percent));
    else if (state.bytes !== undefined) lines.push(`${formatBytes(state.bytes)} written`);
  }
  if (state.id) lines.push(`Backup ${code(state.id)}`);
  if (state.phase === 'available')
    lines.push(`${formatBytes(state.sizeBytes)} in ${formatDuration(state.durationMs ?? 0)}`);
  if (state.failure) lines.push(`*Why:* ${state.failure}`);
  const reason = state.reason ? ` · ${esc(state.reason)}` : '';
  const blocks: Block[] = [
    section(lines.join('\n')),
    context(`by <@${state.requester}>${reason} · job ${code(state.jobId)}`),
  ];
  if (state.phase === 'available' && state.id) blocks.push(backupButtons(state.id, state.verifiable ?? true));
  return view(backupText(state, words), blocks);
}

function backupButtons(id: string, verifiable: boolean): Block {
  return actions(`backup:${id}`, [
    ...(verifiable ? [{ actionId: BACKUP_VERIFY, text: 'Verify', value: id }] : []),
    { actionId: BACKUP_RESTORE, text: 'Restore…', value: id },
  ]);
}

function backupText(state: BackupViewState, words: string): string {
  const id = state.id ? ` ${state.id}` : '';
  const size =
    state.phase === 'available' ? ` (${formatBytes(state.sizeBytes)}, ${formatDuration(state.durationMs ?? 0)})` : '';
  return `Backup of ${state.database}: ${words}${id}${size}${failureSuffix(state.failure)}`;
}

function failureSuffix(failure: string | undefined): string {
  return failure ? ` — ${failure}` : '';
}

function tookSuffix(durationMs: number | undefined): string {
  return durationMs !== undefined ? ` · took ${formatDuration(durationMs)}` : '';
}

const RECORD_ICON: Record<string, string> = {
  available: ':white_check_mark:',
  creating: ':hourglass_flowing_sand:',
  failed: ':x:',
};

function backupRecordLine(record: BackupRecord, now: Date): string {
  const icon = RECORD_ICON[record.status] ?? ':grey_question:';
  const reason = record.reason ? ` — ${esc(record.reason)}` : '';
  const facts = `${ago(record.createdAt, now)} · ${formatBytes(record.sizeBytes)} · <@${record.requestedBy}>`;
  return `${icon} ${code(record.id)} ${record.status} · ${facts}${reason}`;
}

export function backupListView(database: string, records: BackupRecord[], now: Date, verifiable = true): View {
  if (records.length === 0)
    return view(`No backups of ${database} yet.`, [
      section(`No backups of *${database}* yet. \`/backup ${database}\` takes one.`),
    ]);
  const blocks: Block[] = [section(`*Backups of ${database}* (newest first)`)];
  const lines: string[] = [];
  for (const record of records.slice(0, 15)) {
    const line = backupRecordLine(record, now);
    lines.push(line);
    blocks.push(section(line));
    if (record.status === 'available') blocks.push(backupButtons(record.id, verifiable));
  }
  if (!verifiable && records.some((record) => record.status === 'available'))
    blocks.push(
      context(`The catalog does not allow verifying *${database}* (\`verify.allowed\`), so no Verify buttons.`),
    );
  return view(`Backups of ${database}:\n${lines.join('\n')}`, blocks);
}

export type TableCheck = { table: string; expected: number; actual: number | undefined };
export type VerifyViewState = {
  backupId: string;
  database: string;
  engine: string;
  jobId: string;
  requester: string;
  phase: 'running' | 'passed' | 'failed';
  step: string;
  checks: TableCheck[];
  failure?: string | undefined;
  durationMs?: number | undefined;
};

function tableCheckLine(check: TableCheck): string {
  const icon = check.actual === check.expected ? ':white_check_mark:' : ':x:';
  return `${icon} ${code(check.table)} ${check.actual ?? '—'} / ${check.expected} rows`;
}

export function verifyView(state: VerifyViewState): View {
  const head = { running: ':mag:', passed: ':white_check_mark:', failed: ':x:' }[state.phase];
  const words = { running: 'verifying', passed: 'restores — verified', failed: 'verify failed' }[state.phase];
  const lines = [`${head} Backup ${code(state.backupId)} of *${state.database}* — ${words}`, state.step];
  if (state.failure) lines.push(`*Why:* ${state.failure}`);
  for (const check of state.checks.slice(0, 30)) lines.push(tableCheckLine(check));
  const text = `Verify of ${state.backupId}: ${words}${failureSuffix(state.failure)}`;
  return view(text, [
    section(lines.join('\n')),
    context(`${state.engine} · by <@${state.requester}> · job ${code(state.jobId)}${tookSuffix(state.durationMs)}`),
  ]);
}

export type RestoreViewState = {
  backupId: string;
  database: string;
  target: string;
  engine: string;
  jobId: string;
  requester: string;
  phase: 'restoring' | 'available' | 'failed' | 'interrupted';
  endpoint?: string | undefined;
  failure?: string | undefined;
  durationMs?: number | undefined;
};

export function restoreView(state: RestoreViewState): View {
  const head = { restoring: ':package:', available: ':white_check_mark:', failed: ':x:', interrupted: ':warning:' }[
    state.phase
  ];
  const words = { restoring: 'restoring', available: 'restored', failed: 'restore failed', interrupted: 'interrupted' }[
    state.phase
  ];
  const kind = state.engine === 'postgres' ? 'database' : state.engine === 'rds-cluster' ? 'cluster' : 'instance';
  const lines = [
    `${head} ${code(state.backupId)} of *${state.database}* into new ${kind} ${code(state.target)} — ${words}`,
  ];
  if (state.endpoint) lines.push(`*Endpoint:* ${code(state.endpoint)}`);
  if (state.failure) lines.push(`*Why:* ${state.failure}`);
  const endpoint = state.endpoint ? ` at ${state.endpoint}` : '';
  return view(`Restore of ${state.backupId} into ${state.target}: ${words}${endpoint}${failureSuffix(state.failure)}`, [
    section(lines.join('\n')),
    context(`by <@${state.requester}> · job ${code(state.jobId)}${tookSuffix(state.durationMs)}`),
  ]);
}

export type ExpiredBackup = {
  database: string;
  id: string;
  createdAt: Date | undefined;
  retainUntil: Date;
  sizeBytes: number | undefined;
};

const RETENTION_RULES =
  'Deleting needs the backup or admin role and is audited; ops-bot never deletes what it did not create.';

function retentionHeadline(count: number): string {
  const one = count === 1;
  const backups = `${count} backup${one ? '' : 's'} taken by ops-bot ${one ? 'is' : 'are'}`;
  return `:broom: *Retention:* ${backups} past ${one ? 'its' : 'their'} retention. ${RETENTION_RULES}`;
}

function expiredBackupLine(backup: ExpiredBackup, now: Date): string {
  const keptUntil = `${backup.retainUntil.toISOString().slice(0, 10)} (${ago(backup.retainUntil, now)})`;
  return `${code(backup.id)} of *${backup.database}* · kept until ${keptUntil} · ${formatBytes(backup.sizeBytes)}`;
}

function deleteButton(backup: ExpiredBackup): Block {
  return actions(`retention:${backup.id}`, [
    {
      actionId: BACKUP_DELETE,
      text: 'Delete',
      value: JSON.stringify({ database: backup.database, id: backup.id }),
      style: 'danger',
      confirm: {
        title: 'Delete this backup?',
        text: `${backup.id} will be gone for good.`,
        confirm: 'Delete',
        deny: 'Keep',
      },
    },
  ]);
}

export function retentionView(expired: ExpiredBackup[], now: Date): View {
  if (expired.length === 0)
    return view('Retention: no ops-bot backup is past its retention.', [
      section(':broom: Retention: no ops-bot backup is past its retention.'),
    ]);
  const blocks: Block[] = [section(retentionHeadline(expired.length))];
  for (const backup of expired.slice(0, 20)) {
    blocks.push(section(expiredBackupLine(backup, now)));
    blocks.push(deleteButton(backup));
  }
  // Slack takes 50 blocks; the rest come back in tomorrow's report once these are dealt with.
  if (expired.length > 20) blocks.push(section(`…and ${expired.length - 20} more, listed in the next report.`));
  return view(
    `Retention: ${expired.map((backup) => `${backup.id} (${backup.database})`).join(', ')} past retention.`,
    blocks,
  );
}
