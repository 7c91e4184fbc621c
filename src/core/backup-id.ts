import { createHash } from 'node:crypto';

// `<db>-<yyyymmdd-hhmmss>-<short job id>`, within RDS identifier rules: letters, digits and single
// hyphens, a letter first, no trailing hyphen; at most 255 characters for instance snapshots and 63
// for cluster snapshots and restored instances (docs.aws.amazon.com, CreateDBSnapshot).
export function backupId(database: string, at: Date, jobId: string, maxLength = 255): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const short = createHash('sha256').update(jobId).digest('hex').slice(0, 6);
  const suffix = `-${stamp}-${short}`;
  const base = database
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, maxLength - suffix.length)
    .replace(/-$/, '');
  return `${base}${suffix}`;
}

// A throwaway name for a verify restore, within 63 characters. It derives from the backup and the
// verify job: two verifies of one backup never share a name (RDS takes minutes to delete the first),
// and a retry of the same job finds the resource it already created.
export function scratchName(backup: string, jobId: string): string {
  const short = createHash('sha256').update(`${backup}\n${jobId}`).digest('hex').slice(0, 8);
  return `opsbot-verify-${short}`;
}

export function isBackupId(text: string): boolean {
  return /^(?!.*--)[A-Za-z][A-Za-z0-9-]{0,254}(?<!-)$/.test(text);
}
