import { digestView, type DigestRow } from '../../bot/views/backup-reports.ts';
import { postReport } from '../backup/rpo.ts';
import { nextBackups } from '../backup/schedules.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';

// Every catalog database, in catalog order: its last backup (any outcome), its newest good one against
// its RPO, its last restore drill that passed, and when its schedule runs next.
export async function digestRows(deps: ProcessorDeps): Promise<DigestRow[]> {
  const [last, good, verifies, next] = await Promise.all([
    deps.backups.newestByDatabase(),
    deps.backups.newestByDatabase('available'),
    deps.backups.lastPassedVerifies(),
    nextBackups(deps.queues),
  ]);
  return Object.entries(deps.catalog.databases).map(([name, database]) => {
    const lastBackup = last.get(name);
    const goodBackup = good.get(name);
    return {
      database: name,
      rpoMs: database.rpo,
      last: lastBackup && { id: lastBackup.id, status: lastBackup.status, createdAt: lastBackup.createdAt },
      newestGood: goodBackup && { id: goodBackup.id, createdAt: goodBackup.createdAt },
      lastVerify: verifies.get(name),
      nextRun: next.get(name),
    };
  });
}

// The weekly digest (its own job scheduler, jobs/backup/schedules.ts), posted to backups.reportChannel.
export const backupDigestProcessor: Processor<'backup-digest'> = async ({ data, deps }) => {
  const rows = await digestRows(deps);
  await deps.audit.record({
    event: 'digest',
    decision: 'reported',
    actor: 'ops-bot',
    correlationId: data.correlationId,
    action: 'backup.digest',
    details: { databases: rows.map((row) => row.database) },
  });
  await postReport(deps, digestView(rows, deps.now()));
  return { databases: rows.length };
};
