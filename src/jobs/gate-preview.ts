import type { TargetLocks } from '../adapters/locks.ts';
import { withinBudget } from '../core/deadline.ts';
import { backupBeforeIn, type Catalog } from '../core/catalog.ts';
import type { ChangeKind } from '../core/policy.ts';
import { previewGate, type GatePreview, type Holder } from '../core/preview.ts';
import type { Plan } from '../core/plan.ts';
import { deployLockKey, environmentOf, restoreLockKey } from '../core/targets.ts';

const LOCK_READ_MS = 300;

export type PreviewDeps = { catalog: Catalog; locks: TargetLocks; now: () => Date };

// What a preview is about: the change's kind and environment, the lock it would take, and the service
// whose deploy may back a database up first.
export type PreviewTarget = {
  kind: ChangeKind;
  env: string;
  service?: string | undefined;
  lockKey: string;
  breakGlass: string | undefined;
  requester: string;
};

// The gate a change would meet, read without taking anything: the lock is only looked at.
export async function readGatePreview(deps: PreviewDeps, target: PreviewTarget): Promise<GatePreview> {
  const read = deps.locks.holder(target.lockKey).then(
    (found): Holder | 'free' => (found ? { userId: found.userId, what: found.what, jobId: found.jobId } : 'free'),
    () => 'unreadable' as const,
  );
  // A Redis that hangs must not hold the reply (it shares Slack's 3 s): not answered is not free.
  const answered = (await withinBudget(read, LOCK_READ_MS)) ?? 'unreadable';
  const holder = answered === 'free' ? undefined : answered;
  const backupBefore =
    target.kind === 'deploy' && target.service ? backupBeforeIn(deps.catalog, target.service, target.env) : undefined;
  return previewGate({
    env: environmentOf(deps.catalog, target.env),
    kind: target.kind,
    breakGlass: target.breakGlass,
    requester: target.requester,
    now: deps.now(),
    backupBefore,
    holder,
  });
}

// The preview of a plan's gate, for the requester who asked for it.
export function previewOfPlan(deps: PreviewDeps, plan: Plan, requester: string): Promise<GatePreview> {
  if (plan.kind === 'restore')
    return readGatePreview(deps, {
      kind: 'restore',
      env: plan.env,
      lockKey: restoreLockKey(plan.engine, plan.target),
      breakGlass: plan.breakGlass,
      requester,
    });
  return readGatePreview(deps, {
    kind: plan.kind,
    env: plan.env,
    service: plan.service,
    lockKey: deployLockKey(plan.service, plan.env),
    breakGlass: plan.breakGlass,
    requester,
  });
}
