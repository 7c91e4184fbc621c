import { planHash, type Plan } from '../core/plan.ts';
import { gateFor } from '../core/policy.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from './change-gate.ts';
import type { ProcessorDeps } from './processor.ts';

// What every change job checks before it acts, whatever its kind: the plan is the one hashed (and so
// the one approved), no freeze started meanwhile (unless it is resuming mid-change), and when the
// environment asks for approval, a matching approved request exists. A job forged in Redis fails here.
export async function ensureAllowed(
  deps: ProcessorDeps,
  data: { plan: Plan; planHash: string; approvalId?: string | undefined },
  resumed: boolean,
): Promise<void> {
  const { plan } = data;
  if (planHash(plan) !== data.planHash)
    throw new UserError("The job's plan does not match its hash; it was not run.", { code: 'plan_tampered' });
  const env = environmentOf(deps.catalog, plan.env);
  const gate = gateFor(env, plan.kind, plan.breakGlass, deps.now());
  // Half a change is worse than a finished one: a freeze that starts meanwhile stops new changes only.
  if (gate.verdict === 'frozen' && !resumed)
    throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const policy = plan.kind === 'rollback' && env.rollbackApproval !== undefined ? env.rollbackApproval : env.approval;
  const needsApproval =
    gate.verdict === 'proceed' ? gate.policy !== undefined : policy !== 'none' || plan.breakGlass !== undefined;
  if (!needsApproval) return;
  const approval = data.approvalId ? await deps.approvals.get(data.approvalId) : undefined;
  if (!approval || approval.request.status !== 'approved' || approval.request.planHash !== data.planHash) {
    throw new UserError(`This ${plan.env} change has no matching approval, so it was not run.`, {
      code: 'not_approved',
    });
  }
}
