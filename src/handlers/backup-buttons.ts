import { unlink } from 'node:fs/promises';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { BACKUP_DELETE, BACKUP_RESTORE, BACKUP_VERIFY } from '../bot/views/backup.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { restoreModal, restoreTargetInput } from '../bot/views/restore-modal.ts';
import type { CatalogDatabase } from '../core/catalog.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { requireEitherRole, requireRole } from './authorize.ts';
import { requestVerify, type Accept } from './backup-verify.ts';
import { AFTER_ACK_MS, AckDeadline } from './budget.ts';
import { catalogDatabase } from './databases.ts';
import { freezeToBreak, openBreakGlass } from './break-glass.ts';
import type { HandlerDeps } from './deps.ts';
import { checkBeforeForm, openForm } from './form-trigger.ts';
import { buttonChannel, buttonDeliveryKey, buttonEnvelope } from './envelopes.ts';

const deleteTarget = z.object({ database: z.string(), id: z.string() });

type RdsDatabase = Exclude<CatalogDatabase, { engine: 'postgres' }>;

export function backupButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [BACKUP_VERIFY]: async (turn) =>
      requestVerify(
        deps,
        // Acked already; the answer goes through response_url.
        { backupId: turn.action.value ?? '', plan: false, deadline: new AckDeadline(performance.now(), AFTER_ACK_MS) },
        buttonEnvelope(deps, turn, `button verify ${turn.action.value}`),
        buttonDeliveryKey(turn),
        acceptAs(deps, turn.payload.user.id, turn.payload.channel?.id),
      ),
    // Restoring needs a name for the new target: a modal asks for it (views.open needs the trigger_id).
    [BACKUP_RESTORE]: async (turn) => openRestoreForm(deps, turn),
    [BACKUP_DELETE]: async (turn) => deleteExpired(deps, turn),
  };
}

function acceptAs(deps: HandlerDeps, userId: string, channel: string | undefined): Accept {
  return async (entry) => {
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
}

async function openRestoreForm(deps: HandlerDeps, turn: ActionTurn): Promise<undefined> {
  const { payload, action, triggerDeadline } = turn;
  const checks = (async () => {
    await requireRole(deps, payload.user.id, 'restore');
    return action.value ? deps.backups.get(action.value) : undefined;
  })();
  const record = await checkBeforeForm(triggerDeadline, checks);
  if (!record) throw new UserError('ops-bot has no record of that backup.', { code: 'unknown_backup' });
  const noTrigger = new UserError(
    'Slack did not send what is needed to open the restore form; use `/restore <backup-id> to <new-name>`.',
    { code: 'no_trigger' },
  );
  const channel = buttonChannel(payload) ?? '';
  const env = deps.catalog.databases[record.database]?.environment;
  const freeze = env ? freezeToBreak(deps, env, 'restore') : undefined;
  if (env && freeze) {
    const what = `Restore \`${record.id}\` of *${record.database}* into a *new* target.`;
    const binding = { kind: 'restore' as const, channel, backupId: record.id };
    const inputs = [restoreTargetInput(record.database)];
    return openBreakGlass(deps, turn, freeze, {
      binding,
      env,
      kind: 'restore',
      what,
      inputs,
      checks: Promise.resolve(),
    });
  }
  const modal = restoreModal(record.id, record.database, channel);
  return openForm(deps, triggerDeadline, payload.trigger_id, modal, noTrigger);
}

async function deleteExpired(deps: HandlerDeps, { payload, action, correlationId }: ActionTurn): Promise<View> {
  await requireEitherRole(deps, payload.user.id, ['backup', 'admin']);
  const parsed = deleteTarget.safeParse(JSON.parse(action.value ?? '{}'));
  if (!parsed.success) throw new UserError('That Delete button does not name a backup.', { code: 'bad_button' });
  const { database: name, id } = parsed.data;
  const database = catalogDatabase(deps, name);
  const now = deps.now();
  // Checked again now, from the source of truth: never delete what ops-bot did not create.
  if (database.engine === 'postgres') await deleteExpiredDump(deps, name, id, now);
  else await deleteExpiredSnapshot(deps, database, id, now);
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
}

async function deleteExpiredDump(deps: HandlerDeps, database: string, id: string, now: Date): Promise<void> {
  const record = await deps.backups.get(id);
  if (
    !record ||
    record.database !== database ||
    record.status !== 'available' ||
    record.retainUntil >= now ||
    !record.location
  )
    throw new UserError(`\`${id}\` is not an ops-bot backup past its retention; nothing was deleted.`, {
      code: 'not_deletable',
    });
  await unlink(record.location).catch(() => undefined);
  await unlink(record.location.replace(/\.dump$/, '.manifest.json')).catch(() => undefined);
}

async function deleteExpiredSnapshot(deps: HandlerDeps, database: RdsDatabase, id: string, now: Date): Promise<void> {
  const snapshot = await deps.rds.snapshot(database.region, database.engine, id);
  const until = snapshot?.tags['retain-until'] ? new Date(snapshot.tags['retain-until']) : undefined;
  if (!snapshot || snapshot.tags['created-by'] !== 'ops-bot' || !until || until >= now)
    throw new UserError(`\`${id}\` is not an ops-bot snapshot past its retention; nothing was deleted.`, {
      code: 'not_deletable',
    });
  await deps.rds.deleteSnapshot(database.region, database.engine, id);
}
