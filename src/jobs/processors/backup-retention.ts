import { retentionView, type ExpiredBackup } from '../../bot/views/backup.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';

// Backups ops-bot created that are past their retain-until: from RDS's own tags (created-by=ops-bot),
// so a snapshot someone made by hand is never listed, and from ops-bot's records for pg_dump files.
export async function expiredBackups(deps: ProcessorDeps, now: Date): Promise<ExpiredBackup[]> {
  const expired: ExpiredBackup[] = [];
  for (const [name, database] of Object.entries(deps.catalog.databases)) {
    if (database.engine === 'postgres') continue;
    for (const snapshot of await deps.rds.snapshots(database.region, database.engine, database.identifier)) {
      const until = snapshot.tags['retain-until'] ? new Date(snapshot.tags['retain-until']) : undefined;
      if (snapshot.tags['created-by'] !== 'ops-bot' || !until || Number.isNaN(until.getTime()) || until >= now)
        continue;
      expired.push({
        database: name,
        id: snapshot.id,
        createdAt: snapshot.created,
        retainUntil: until,
        sizeBytes: snapshot.sizeGb !== undefined ? snapshot.sizeGb * 2 ** 30 : undefined,
      });
    }
  }
  for (const record of await deps.backups.expired(now)) {
    if (record.engine === 'postgres' && deps.catalog.databases[record.database])
      expired.push({
        database: record.database,
        id: record.id,
        createdAt: record.createdAt,
        retainUntil: record.retainUntil,
        sizeBytes: record.sizeBytes,
      });
  }
  return expired;
}

export const backupRetentionProcessor: Processor<'backup-retention'> = async ({ data, deps }) => {
  const expired = await expiredBackups(deps, deps.now());
  await deps.audit.record({
    event: 'retention',
    decision: 'reported',
    actor: 'ops-bot',
    correlationId: data.correlationId,
    action: 'backup.retention',
    details: { expired: expired.map((backup) => backup.id) },
  });
  const channel = deps.catalog.backups.reportChannel;
  if (channel && expired.length > 0) await deps.slack.postMessage(channel, retentionView(expired, deps.now()));
  return { expired: expired.length };
};
