import type { Accept } from './backup-verify.ts';
import { knownBackup } from './databases.ts';
import type { View } from '../bot/views/blocks.ts';
import { dryRunView } from '../bot/views/plan.ts';
import { planSummary } from '../core/plan.ts';
import type { BackupRecord } from '../core/backup.ts';
import type { CatalogDatabase } from '../core/catalog.ts';
import { jobIdFor } from '../core/ids.ts';
import { gateFor } from '../core/policy.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { planRestore, type RestoreChange } from '../jobs/backup/restore-plan.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { previewOfPlan } from '../jobs/gate-preview.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { requireRole } from './authorize.ts';
import { AFTER_PREFLIGHT_MS, CLUSTER_BUDGET_MS, withinBudget, type AckDeadline } from './budget.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { onlyGiven } from './optional-fields.ts';
import { auditReason, planQueuedView, whilePlanning } from './planning.ts';
import { enqueueBefore } from './queue-errors.ts';

export type RestoreAsk = {
  backupId: string;
  target: string;
  reason?: string | undefined;
  breakGlass?: string | undefined;
  // `--plan`: the plan and the gate it would meet; nothing is reserved, enqueued or asked for.
  plan?: boolean | undefined;
  // The command's ack deadline (the backup read, pre-flight, audit write and enqueue share it), or
  // the form's longer one (a submitted form is acked before this runs).
  deadline: AckDeadline;
};

// /restore and the Restore… form: into a NEW target only, through the same gate as every change
// (the database's environment decides about approval and freezes).
export async function requestRestore(
  deps: HandlerDeps,
  ask: RestoreAsk,
  envelope: JobEnvelope,
  deliveryKey: string,
  accept: Accept,
): Promise<View> {
  const userId = envelope.requestedBy.userId;
  await requireRole(deps, userId, 'restore');
  const { record, database } = await restorableBackup(deps, ask.backupId, ask.deadline);
  const env = database.environment;
  const gate = gateFor(environmentOf(deps.catalog, env), 'restore', ask.breakGlass, deps.now());
  const breakGlass = gate.freeze ? ask.breakGlass : undefined;
  const change = restoreChangeOf(ask, record, env, breakGlass);
  if (ask.plan) return previewRestore(deps, { ...ask, change, userId }, accept);
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const jobId = jobIdFor('plan', deliveryKey);
  const what = `restore of ${ask.backupId} into ${ask.target}`;
  return whilePlanning(deps, { service: record.database, env, jobId, userId, what }, async () => {
    const plan = await withinBudget(
      planRestore(deps, change),
      ask.deadline.share(CLUSTER_BUDGET_MS, AFTER_PREFLIGHT_MS),
    );
    await accept({
      action: 'restore.request',
      target: `${record.database}/${env}`,
      jobId,
      reason: auditReason(gate.freeze, breakGlass, ask.reason),
      details: { backupId: ask.backupId, into: ask.target },
    });
    await enqueueBefore(deps, ask.deadline, 'plan', jobId, { ...envelope, change, ...onlyGiven({ plan }) });
    return planQueuedView(jobId, plan, ask.target);
  });
}

// What the restore would do and the gate it would meet (the database's environment decides).
async function previewRestore(
  deps: HandlerDeps,
  ask: RestoreAsk & { change: RestoreChange; userId: string },
  accept: Accept,
): Promise<View> {
  const { change } = ask;
  const plan = await withinBudget(planRestore(deps, change), ask.deadline.share(CLUSTER_BUDGET_MS, AFTER_PREFLIGHT_MS));
  if (!plan)
    throw new UserError(`Checking \`${ask.target}\` did not finish in time for the plan. Nothing was changed.`, {
      hint: 'Try again in a moment.',
      code: 'plan_slow',
    });
  const preview = await previewOfPlan(deps, plan, ask.userId);
  await accept({
    action: 'restore.plan',
    target: `${plan.database}/${plan.env}`,
    reason: planSummary(plan),
    details: { backupId: ask.backupId, into: ask.target, verdict: preview.verdict },
  });
  return dryRunView(plan, preview);
}

async function restorableBackup(
  deps: HandlerDeps,
  backupId: string,
  deadline: AckDeadline,
): Promise<{ record: BackupRecord; database: CatalogDatabase }> {
  const record = await knownBackup(deps, backupId, deadline);
  const database = deps.catalog.databases[record.database];
  if (!database)
    throw new UserError(`\`${record.database}\` is no longer in the catalog.`, { code: 'unknown_database' });
  return { record, database };
}

function restoreChangeOf(
  ask: RestoreAsk,
  record: BackupRecord,
  env: string,
  breakGlass: string | undefined,
): RestoreChange {
  return {
    kind: 'restore',
    backupId: ask.backupId,
    target: ask.target,
    // The database, under the key the planning reservation uses.
    service: record.database,
    env,
    dryRun: false,
    ...onlyGiven({ reason: ask.reason, breakGlass }),
  };
}

export function restoreCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'restore') return undefined;
    return requestRestore(
      deps,
      {
        backupId: request.backupId,
        target: request.target,
        reason: request.reason,
        breakGlass: request.breakGlass,
        plan: request.plan,
        deadline: turn.deadline,
      },
      turn.envelope(),
      turn.deliveryKey,
      (entry) => turn.accept(entry, { failClosed: true }),
    );
  };
}
