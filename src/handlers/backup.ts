import { backupListView } from '../bot/views/backup.ts';
import { withNextBackups } from '../bot/views/backup-reports.ts';
import type { View } from '../bot/views/blocks.ts';
import { queuedView } from '../bot/views/jobs.ts';
import type { BackupRequest } from '../core/grammar/commands.ts';
import { jobIdFor } from '../core/ids.ts';
import { UserError } from '../core/user-error.ts';
import { requireRole } from './authorize.ts';
import { requestVerify, type Accept } from './backup-verify.ts';
import type { CommandHandler, CommandTurn } from './command-intake.ts';
import { catalogDatabase } from './databases.ts';
import type { HandlerDeps } from './deps.ts';
import { onlyGiven } from './optional-fields.ts';
import { enqueueBefore, withQueue } from './queue-errors.ts';
import { nextScheduled } from './next-backups.ts';

type RunRequest = Extract<BackupRequest, { sub: 'run' }>;

export function backupCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'backup') return undefined;
    const accept: Accept = (entry) => turn.accept(entry, { failClosed: true });
    if (request.sub === 'list') return listBackups(deps, request.database, request.limit);
    if (request.sub === 'verify')
      return requestVerify(
        deps,
        { backupId: request.backupId, plan: request.plan, deadline: turn.deadline },
        turn.envelope(),
        turn.deliveryKey,
        accept,
      );
    return requestBackup(deps, turn, request, accept);
  };
}

async function listBackups(deps: HandlerDeps, database: string, limit: number): Promise<View> {
  const entry = catalogDatabase(deps, database);
  const records = await deps.backups.list(database, limit);
  const next = (await nextScheduled(deps)).get(database);
  const listed = backupListView(database, records, deps.now(), entry.verify.allowed);
  return next ? withNextBackups(listed, new Map([[database, next]])) : listed;
}

async function requestBackup(deps: HandlerDeps, turn: CommandTurn, request: RunRequest, accept: Accept): Promise<View> {
  const { database, reason } = request;
  catalogDatabase(deps, database);
  await requireRole(deps, turn.payload.user_id, 'backup');
  const holder = await withQueue('read', () => deps.locks.holder(`backup:${database}`));
  if (holder)
    throw new UserError(
      `A backup of ${database} is already running (job \`${holder.jobId}\` by <@${holder.userId}>).`,
      {
        hint: `\`/ops status ${holder.jobId}\` follows it.`,
        code: 'locked',
      },
    );
  const jobId = jobIdFor('backup', turn.deliveryKey);
  await accept({ action: 'backup.request', target: database, jobId, reason });
  await enqueueBefore(deps, turn.deadline, 'backup', jobId, { ...turn.envelope(), database, ...onlyGiven({ reason }) });
  return queuedView(jobId, `Backing up ${database}…`);
}
