import { queuedView } from '../bot/views/jobs.ts';
import type { View } from '../bot/views/blocks.ts';
import type { FreezePeriod } from '../core/freeze.ts';
import { planSummary, type Plan } from '../core/plan.ts';
import { planningKey } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

const PLANNING_MS = 30_000;

// The change being planned, as the reservation names it to whoever tries a second one meanwhile.
export type Reservation = { service: string; env: string; jobId: string; userId: string; what: string };

// One change of a target is planned at a time; the plan job releases the reservation when it is done.
async function reservePlanning(deps: HandlerDeps, reservation: Reservation): Promise<void> {
  const { service, env, jobId, userId, what } = reservation;
  const busy = await withQueue('read', () =>
    deps.locks.reserve(planningKey(service, env), { jobId, userId, what }, PLANNING_MS),
  );
  if (!busy) return;
  const planner = `<@${busy.userId}> (${busy.what}, job \`${busy.jobId}\`)`;
  throw new UserError(`A change of ${service} in ${env} is being planned right now by ${planner}.`, {
    hint: 'Wait a few seconds: its plan, or its approval request, will appear in the channel.',
    code: 'planning',
  });
}

// Until the plan job exists, a failure releases the reservation that job would have released.
export async function whilePlanning<T>(
  deps: HandlerDeps,
  reservation: Reservation,
  plan: () => Promise<T>,
): Promise<T> {
  await reservePlanning(deps, reservation);
  try {
    return await plan();
  } catch (error) {
    const { service, env, jobId } = reservation;
    await deps.locks.unreserve(planningKey(service, env), jobId).catch(() => undefined);
    throw error;
  }
}

// The reply once the plan job is queued: the plan when pre-flight made it in time, else what is checked.
export function planQueuedView(jobId: string, plan: Plan | undefined, checking: string): View {
  return queuedView(
    jobId,
    plan ? `Planned: ${planSummary(plan)}. Asking for what it needs…` : `Checking ${checking} before anything changes…`,
  );
}

// The audit reason of a change: a break-glass one says so, and under which freeze.
export function auditReason(
  freeze: FreezePeriod | undefined,
  breakGlass: string | undefined,
  reason: string | undefined,
): string | undefined {
  return breakGlass ? `BREAK-GLASS during freeze "${freeze?.name}": ${breakGlass}` : reason;
}
