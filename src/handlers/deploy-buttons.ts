import { z } from 'zod';
import { section, view, type View } from '../bot/views/blocks.ts';
import { CANARY_ABORT, CANARY_PROMOTE, DEPLOY_CANCEL } from '../bot/views/deploy.ts';
import { currentContext } from '../adapters/log.ts';
import { JOB_ID_PATTERN } from '../core/grammar/values.ts';
import { holdsRole, type RoleName } from '../core/roles.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { identify } from './authorize.ts';
import { cancelJob } from './cancel.ts';
import type { HandlerDeps } from './deps.ts';

const jobIdValue = z.string().regex(JOB_ID_PATTERN);

type Signal = 'promote' | 'abort';

// Aborting a running canary is how /rollback rolls it back (rollback.ts), so that role may abort too.
const MAY_SIGNAL: Record<Signal, RoleName[]> = { promote: ['deploy'], abort: ['deploy', 'rollback'] };

const SIGNALLED: Record<Signal, string> = {
  abort: 'Abort requested: the canary is scaled to 0 and stable stays as it is.',
  promote: 'Promote requested: the remaining canary steps are skipped.',
};

function jobOf(value: string | undefined): string {
  const parsed = jobIdValue.safeParse(value);
  if (!parsed.success) throw new UserError('That button does not name a job.', { code: 'bad_button' });
  return parsed.data;
}

// Buttons on a deploy's progress message: Cancel, and for a canary, Promote and Abort.
export function deployButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [DEPLOY_CANCEL]: async ({ payload, action }) => cancelJob(deps, jobOf(action.value), payload.user.id),
    [CANARY_PROMOTE]: async (turn) => signalCanary(deps, turn, 'promote'),
    [CANARY_ABORT]: async (turn) => signalCanary(deps, turn, 'abort'),
  };
}

async function signalCanary(deps: HandlerDeps, { payload, action }: ActionTurn, signal: Signal): Promise<View> {
  const jobId = jobOf(action.value);
  const identity = await identify(deps, payload.user.id);
  const roles = MAY_SIGNAL[signal];
  if (!roles.some((role) => holdsRole(identity, deps.catalog.roles, role)))
    throw new UserError(`You may not ${signal} canaries: that needs the \`${roles.join('` or `')}\` role.`, {
      code: 'forbidden_role',
    });
  const job = await deps.queues.queue('deploy').getJob(jobId);
  if (!job || (await job.getState()) !== 'active')
    throw new UserError(`\`${jobId}\` is not running any more; nothing was changed.`, { code: 'not_running' });
  await deps.signals.send(jobId, signal, payload.user.id);
  await deps.audit.record({
    event: signal,
    decision: 'requested',
    actor: payload.user.id,
    correlationId: currentContext()?.correlationId ?? 'none',
    action: `deploy.canary-${signal}`,
    jobId,
  });
  return view(SIGNALLED[signal], [section(`:ok_hand: ${SIGNALLED[signal]}`)]);
}
