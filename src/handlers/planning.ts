import { planningKey } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

const PLANNING_MS = 30_000;

// One change of a target is planned at a time; the plan job releases the reservation when it is done.
export async function reservePlanning(
  deps: HandlerDeps,
  service: string,
  env: string,
  jobId: string,
  userId: string,
  what: string,
): Promise<void> {
  const busy = await withQueue('read', () =>
    deps.locks.reserve(planningKey(service, env), { jobId, userId, what }, PLANNING_MS),
  );
  if (busy)
    throw new UserError(
      `A change of ${service} in ${env} is being planned right now by <@${busy.userId}> (${busy.what}, job \`${busy.jobId}\`).`,
      { hint: 'Wait a few seconds: its plan, or its approval request, will appear in the channel.', code: 'planning' },
    );
}
