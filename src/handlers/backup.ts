import { unlink } from 'node:fs/promises';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { BACKUP_DELETE, BACKUP_RESTORE, BACKUP_VERIFY, backupListView } from '../bot/views/backup.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { queuedView } from '../bot/views/jobs.ts';
import { restoreModal } from '../bot/views/restore-modal.ts';
import type { CatalogDatabase } from '../core/catalog.ts';
import { jobIdFor } from '../core/ids.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionHandler } from './action-intake.ts';
import { requireEitherRole, requireRole } from './authorize.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

export function catalogDatabase(deps: HandlerDeps, name: string): CatalogDatabase {
  const database = deps.catalog.databases[name];
  if (!database)
    throw new UserError(`There is no database \`${name}\` in the catalog.`, {
      hint: `Databases: ${Object.keys(deps.catalog.databases).join(', ') || 'none'}. ops-bot only touches what the catalog names.`,
      code: 'unknown_database',
    });
  return database;
}

type Accept = (entry: {
  action: string;
  target?: string;
  jobId?: string;
  reason?: string;
  details?: Record<string, unknown>;
}) => Promise<void>;

// Verify, from the command or the button: the same checks, the same job.
async function requestVerify(
  deps: HandlerDeps,
  backupId: string,
  plan: boolean,
  envelope: JobEnvelope,
  deliveryKey: string,
  accept: Accept,
): Promise<View> {
  await requireRole(deps, envelope.requestedBy.userId, 'backup');
  const record = await deps.backups.get(backupId);
  if (!record)
    throw new UserError(`ops-bot has no backup \`${backupId}\`.`, {
      hint: '`/backup list <database>` shows the backups ops-bot took.',
      code: 'unknown_backup',
    });
  const database = catalogDatabase(deps, record.database);
  if (record.status !== 'available')
    throw new UserError(`Backup \`${backupId}\` is ${record.status}; only available backups can be verified.`, {
      code: 'backup_not_available',
    });
  if (database.engine !== 'postgres' && !database.verify.allowed) {
    throw new UserError(
      `Verifying ${record.database} is not allowed by the catalog: it restores a temporary ${database.engine === 'rds-cluster' ? 'cluster' : 'instance'}, which costs money.`,
      { hint: 'Set verify.allowed: true on this database in the catalog to allow it.', code: 'verify_not_allowed' },
    );
  }
  if (plan) {
    const text =
      database.engine === 'postgres'
        ? `Verify would check the sha256 of ${record.location} against its manifest, pg_restore it into a scratch database on ${record.database}'s server, compare the row counts of its ${record.manifest?.tables.length ?? '?'} tables with the manifest, and drop the scratch database.`
        : `Verify would restore \`${backupId}\` into a temporary ${database.engine === 'rds-cluster' ? 'cluster' : 'instance'} (${database.verify.instanceClass}) in ${database.region}, wait until it is available, and delete it without a final snapshot. It costs the instance's running time.`;
    await accept({ action: 'backup.verify-plan', target: record.database, details: { backupId } });
    return view(text, [section(`:clipboard: ${text}`)]);
  }
  const jobId = jobIdFor('verify', deliveryKey);
  await accept({ action: 'backup.verify', target: record.database, jobId, details: { backupId } });
  await withQueue('enqueue', () => deps.queues.enqueue('verify', jobId, { ...envelope, backupId }));
  return queuedView(jobId, `Verifying ${backupId}…`);
}

export function backupCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'backup') return undefined;
    const accept: Accept = (entry) => turn.accept(entry, { failClosed: true });
    if (request.sub === 'list') {
      catalogDatabase(deps, request.database);
      return backupListView(request.database, await deps.backups.list(request.database, request.limit), deps.now());
    }
    if (request.sub === 'verify')
      return requestVerify(deps, request.backupId, request.plan, turn.envelope(), turn.deliveryKey, accept);
    catalogDatabase(deps, request.database);
    await requireRole(deps, turn.payload.user_id, 'backup');
    const holder = await withQueue('read', () => deps.locks.holder(`backup:${request.database}`));
    if (holder)
      throw new UserError(
        `A backup of ${request.database} is already running (job \`${holder.jobId}\` by <@${holder.userId}>).`,
        { hint: `\`/ops status ${holder.jobId}\` follows it.`, code: 'locked' },
      );
    const jobId = jobIdFor('backup', turn.deliveryKey);
    await accept({ action: 'backup.request', target: request.database, jobId, reason: request.reason });
    await withQueue('enqueue', () =>
      deps.queues.enqueue('backup', jobId, {
        ...turn.envelope(),
        database: request.database,
        ...(request.reason ? { reason: request.reason } : {}),
      }),
    );
    return queuedView(jobId, `Backing up ${request.database}…`);
  };
}

const deleteTarget = z.object({ database: z.string(), id: z.string() });

export function backupButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  const envelopeOf = (
    payload: Parameters<ActionHandler>[0]['payload'],
    correlationId: string,
    command: string,
  ): JobEnvelope => ({
    correlationId,
    command,
    requestedAt: deps.now().toISOString(),
    requestedBy: { userId: payload.user.id, ...(payload.user.team_id ? { teamId: payload.user.team_id } : {}) },
    ...((payload.channel?.id ?? payload.container?.channel_id)
      ? { channelId: payload.channel?.id ?? payload.container!.channel_id! }
      : {}),
  });
  const auditAs =
    (userId: string, channel: string | undefined): Accept =>
    async (entry) => {
      await deps.audit
        .record({
          event: 'request',
          decision: 'accepted',
          actor: userId,
          correlationId: currentContext()?.correlationId ?? 'none',
          channel,
          ...entry,
        })
        .catch(() => {
          throw new UserError('ops-bot cannot write its audit log right now, so it will not start anything.', {
            code: 'audit_unavailable',
          });
        });
    };
  return {
    [BACKUP_VERIFY]: async ({ payload, action, correlationId }) =>
      requestVerify(
        deps,
        action.value ?? '',
        false,
        envelopeOf(payload, correlationId, `button verify ${action.value}`),
        `action:${payload.container?.message_ts}:${action.action_id}:${action.action_ts}:${payload.user.id}`,
        auditAs(payload.user.id, payload.channel?.id),
      ),
    // Restoring needs a name for the new target: a modal asks for it (views.open needs the trigger_id).
    [BACKUP_RESTORE]: async ({ payload, action }) => {
      await requireRole(deps, payload.user.id, 'restore');
      const record = action.value ? await deps.backups.get(action.value) : undefined;
      if (!record) throw new UserError('ops-bot has no record of that backup.', { code: 'unknown_backup' });
      if (!payload.trigger_id)
        throw new UserError(
          'Slack did not send what is needed to open the restore form; use `/restore <backup-id> to <new-name>`.',
          { code: 'no_trigger' },
        );
      await deps.slack.call('views.open', {
        trigger_id: payload.trigger_id,
        view: restoreModal(record.id, record.database, payload.channel?.id ?? payload.container?.channel_id ?? ''),
      });
      return undefined;
    },
    [BACKUP_DELETE]: async ({ payload, action, correlationId }) => {
      await requireEitherRole(deps, payload.user.id, ['backup', 'admin']);
      const parsed = deleteTarget.safeParse(JSON.parse(action.value ?? '{}'));
      if (!parsed.success) throw new UserError('That Delete button does not name a backup.', { code: 'bad_button' });
      const { database: name, id } = parsed.data;
      const database = catalogDatabase(deps, name);
      const now = deps.now();
      // Checked again now, from the source of truth: never delete what ops-bot did not create.
      if (database.engine === 'postgres') {
        const record = await deps.backups.get(id);
        if (
          !record ||
          record.database !== name ||
          record.status !== 'available' ||
          record.retainUntil >= now ||
          !record.location
        )
          throw new UserError(`\`${id}\` is not an ops-bot backup past its retention; nothing was deleted.`, {
            code: 'not_deletable',
          });
        await unlink(record.location).catch(() => undefined);
        await unlink(record.location.replace(/\.dump$/, '.manifest.json')).catch(() => undefined);
      } else {
        const snapshot = await deps.rds.snapshot(database.region, database.engine, id);
        const until = snapshot?.tags['retain-until'] ? new Date(snapshot.tags['retain-until']) : undefined;
        if (!snapshot || snapshot.tags['created-by'] !== 'ops-bot' || !until || until >= now)
          throw new UserError(`\`${id}\` is not an ops-bot snapshot past its retention; nothing was deleted.`, {
            code: 'not_deletable',
          });
        await deps.rds.deleteSnapshot(database.region, database.engine, id);
      }
      await deps.backups.markDeleted(id);
      await deps.audit.record({
        event: 'delete',
        decision: 'deleted',
        actor: payload.user.id,
        correlationId,
        channel: payload.channel?.id,
        action: 'backup.delete',
        target: name,
        reason: 'past retention',
        details: { backupId: id },
      });
      return view(`Deleted ${id}.`, [section(`:wastebasket: Deleted \`${id}\` of ${name}.`)]);
    },
  };
}
