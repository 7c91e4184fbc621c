import { z } from 'zod';
import { section, view } from '../bot/views/blocks.ts';
import { CANARY_ABORT, CANARY_PROMOTE, DEPLOY_CANCEL } from '../bot/views/deploy.ts';
import { currentContext } from '../adapters/log.ts';
import { JOB_ID_PATTERN } from '../core/grammar/values.ts';
import { holdsRole } from '../core/roles.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionHandler } from './action-intake.ts';
import { identify } from './authorize.ts';
import { cancelJob } from './cancel.ts';
import type { HandlerDeps } from './deps.ts';

const jobIdValue = z.string().regex(JOB_ID_PATTERN);

// Buttons on a deploy's progress message: Cancel, and for a canary, Promote and Abort.
export function deployButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  const jobOf = (value: string | undefined) => {
    const parsed = jobIdValue.safeParse(value);
    if (!parsed.success) throw new UserError('That button does not name a job.', { code: 'bad_button' });
    return parsed.data;
  };
  const canary =
    (signal: 'promote' | 'abort') =>
    async ({ payload, action }: Parameters<ActionHandler>[0]) => {
      const jobId = jobOf(action.value);
      const identity = await identify(deps, payload.user.id);
      const allowed =
        signal === 'abort'
          ? holdsRole(identity, deps.catalog.roles, 'deploy') || holdsRole(identity, deps.catalog.roles, 'rollback')
          : holdsRole(identity, deps.catalog.roles, 'deploy');
      if (!allowed)
        throw new UserError(
          `You may not ${signal} canaries: that needs the \`${signal === 'abort' ? 'deploy` or `rollback' : 'deploy'}\` role.`,
          { code: 'forbidden_role' },
        );
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
      const text =
        signal === 'abort'
          ? 'Abort requested: the canary is scaled to 0 and stable stays as it is.'
          : 'Promote requested: the remaining canary steps are skipped.';
      return view(text, [section(`:ok_hand: ${text}`)]);
    };
  return {
    [DEPLOY_CANCEL]: async ({ payload, action }) => cancelJob(deps, jobOf(action.value), payload.user.id),
    [CANARY_PROMOTE]: canary('promote'),
    [CANARY_ABORT]: canary('abort'),
  };
}
