import { section, view, type View } from '../bot/views/blocks.ts';
import { queuedView } from '../bot/views/jobs.ts';
import type { BackupRecord } from '../core/backup.ts';
import type { CatalogDatabase } from '../core/catalog.ts';
import { activeFreeze } from '../core/freeze.ts';
import { jobIdFor } from '../core/ids.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { requireRole } from './authorize.ts';
import type { AckDeadline } from './budget.ts';
import { catalogDatabase, knownBackup } from './databases.ts';
import type { HandlerDeps } from './deps.ts';
import { enqueueBefore } from './queue-errors.ts';

export type Accept = (entry: {
  action: string;
  target?: string;
  jobId?: string;
  reason?: string;
  details?: Record<string, unknown>;
}) => Promise<void>;

type RdsDatabase = Exclude<CatalogDatabase, { engine: 'postgres' }>;

// A verify as asked: which backup, whether only the plan, and the deadline of the answer.
export type VerifyAsk = { backupId: string; plan: boolean; deadline: AckDeadline };

// Verify, from the command or the button: the same checks, the same job.
export async function requestVerify(
  deps: HandlerDeps,
  { backupId, plan, deadline }: VerifyAsk,
  envelope: JobEnvelope,
  deliveryKey: string,
  accept: Accept,
): Promise<View> {
  await requireRole(deps, envelope.requestedBy.userId, 'backup');
  const { record, database } = await verifiableBackup(deps, backupId, deadline);
  if (plan) {
    const text = `${verifySteps(backupId, record, database)} ${verifyGate(deps, database)}`;
    await accept({ action: 'backup.verify-plan', target: record.database, details: { backupId } });
    return view(text, [section(`:clipboard: ${text}`)]);
  }
  const jobId = jobIdFor('verify', deliveryKey);
  await accept({ action: 'backup.verify', target: record.database, jobId, details: { backupId } });
  await enqueueBefore(deps, deadline, 'verify', jobId, { ...envelope, backupId });
  return queuedView(jobId, `Verifying ${backupId}…`);
}

async function verifiableBackup(
  deps: HandlerDeps,
  backupId: string,
  deadline: AckDeadline,
): Promise<{ record: BackupRecord; database: CatalogDatabase }> {
  const record = await knownBackup(deps, backupId, deadline);
  const database = catalogDatabase(deps, record.database);
  if (record.status !== 'available')
    throw new UserError(`Backup \`${backupId}\` is ${record.status}; only available backups can be verified.`, {
      code: 'backup_not_available',
    });
  if (database.engine !== 'postgres' && !database.verify.allowed) {
    const scratch = `a temporary ${scratchKind(database)}`;
    throw new UserError(
      `Verifying ${record.database} is not allowed by the catalog: it restores ${scratch}, which costs money.`,
      { hint: 'Set verify.allowed: true on this database in the catalog to allow it.', code: 'verify_not_allowed' },
    );
  }
  return { record, database };
}

function scratchKind(database: RdsDatabase): string {
  return database.engine === 'rds-cluster' ? 'cluster' : 'instance';
}

// What verifying would do, for `/backup verify --plan`.
function verifySteps(backupId: string, record: BackupRecord, database: CatalogDatabase): string {
  if (database.engine === 'postgres') {
    const tables = record.manifest?.tables.length ?? '?';
    const steps = inOrder([
      `check the sha256 of ${record.location} against its manifest`,
      `pg_restore it into a scratch database on ${record.database}'s server`,
      `compare the row counts of its ${tables} tables with the manifest`,
      'drop the scratch database',
    ]);
    return `Verify would ${steps}.`;
  }
  const scratch = `a temporary ${scratchKind(database)} (${database.verify.instanceClass}) in ${database.region}`;
  const steps = inOrder([
    `restore \`${backupId}\` into ${scratch}`,
    'wait until it is available',
    'delete it without a final snapshot',
  ]);
  return `Verify would ${steps}. It costs the instance's running time.`;
}

// What a preview of any change shows beside its plan, for a verify: it touches only a scratch copy, so
// no approval, lock or freeze stands in its way, and a freeze in force is named so nobody wonders.
function verifyGate(deps: HandlerDeps, database: CatalogDatabase): string {
  const env = database.environment;
  const freeze = activeFreeze(environmentOf(deps.catalog, env).freeze, deps.now());
  const frozen = freeze ? `; the freeze "${freeze.name}" in ${env} does not apply to it` : '';
  return `Now: would run now. It changes nothing people use, so it needs no approval and takes no lock${frozen}.`;
}

// "a, b, and c": steps as one sentence.
function inOrder(steps: string[]): string {
  return `${steps.slice(0, -1).join(', ')}, and ${steps.at(-1)}`;
}
