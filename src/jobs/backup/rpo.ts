import type { BackupStore } from '../../adapters/backup-store.ts';
import { rpoBreachView } from '../../bot/views/backup-reports.ts';
import type { View } from '../../bot/views/blocks.ts';
import { rpoState } from '../../core/backup-schedule.ts';
import type { Catalog } from '../../core/catalog.ts';
import type { ProcessorDeps } from '../processor.ts';

export type BackupHealth = { ageSeconds: number | undefined; breached: boolean };

// Each database with an RPO: its newest good backup's age and whether that is over the RPO (or there
// is none). Read from PostgreSQL, so every replica's /metrics says the same.
export async function backupHealth(
  catalog: Catalog,
  backups: BackupStore,
  now: Date,
): Promise<Map<string, BackupHealth>> {
  const newest = await backups.newestByDatabase('available');
  const health = new Map<string, BackupHealth>();
  for (const [name, database] of Object.entries(catalog.databases)) {
    if (database.rpo === undefined) continue;
    const state = rpoState(database.rpo, newest.get(name)?.createdAt, now);
    health.set(name, {
      ageSeconds: state.ageMs === undefined ? undefined : state.ageMs / 1000,
      breached: state.breached,
    });
  }
  return health;
}

// Posts each new breach once: a breach is named by the database and its newest good backup ('none'),
// and only the replica that records it first posts. A new good backup ends it; a later breach is new.
export async function announceBreaches(deps: ProcessorDeps, only?: string): Promise<string[]> {
  const now = deps.now();
  const newest = await deps.backups.newestByDatabase('available');
  const announced: string[] = [];
  for (const [name, database] of Object.entries(deps.catalog.databases)) {
    if (database.rpo === undefined || (only !== undefined && name !== only)) continue;
    const good = newest.get(name);
    if (!rpoState(database.rpo, good?.createdAt, now).breached) continue;
    if (!(await deps.backups.claimBreach(name, good?.id ?? 'none'))) continue;
    announced.push(name);
    await deps.audit.record({
      event: 'alert',
      decision: 'rpo-breached',
      actor: 'ops-bot',
      correlationId: `rpo-${name}`,
      action: 'backup.rpo',
      target: name,
      details: { rpoMs: database.rpo, newestBackup: good?.id ?? null },
    });
    const breach = { database: name, rpoMs: database.rpo, newest: good };
    await postReport(deps, rpoBreachView(breach, now));
  }
  return announced;
}

// To backups.reportChannel; without one the result is only logged and audited (as the retention report).
export async function postReport(deps: ProcessorDeps, message: View): Promise<void> {
  const channel = deps.catalog.backups.reportChannel;
  if (!channel) {
    deps.logger.warn({ text: message.text }, 'no backups.reportChannel in the catalog; the report is only logged');
    return;
  }
  await deps.slack.postMessage(channel, message);
}
