import { queuedView } from '../bot/views/jobs.ts';
import { notEnabledView } from '../bot/views/not-enabled.ts';
import { jobIdFor } from '../core/ids.ts';
import { gateFor } from '../core/policy.ts';
import { deployLockKey, serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

// /deploy <service> <version> [to] <env>: everything that can be decided without the cluster is
// decided here (catalog, role, freeze, lock); the cluster is read by the plan job, and approval,
// when the environment asks for it, follows from the plan.
export function deployCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'deploy') return undefined;
    if (request.sub === 'history') return notEnabledView('/deploy history');
    const target = serviceTarget(deps.catalog, request.service, request.env);
    await requireRole(deps, turn.payload.user_id, 'deploy');
    const gate = gateFor(target.env, 'deploy', request.breakGlass, deps.now());
    if (gate.verdict === 'frozen' && !request.dryRun) throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
    const holder = request.dryRun ? undefined : await withQueue('read', () => deps.locks.holder(deployLockKey(request.service, request.env)));
    if (holder) {
      throw new UserError(`${request.service} in ${request.env} is being changed right now by <@${holder.userId}>: ${holder.what} (job \`${holder.jobId}\`, since ${holder.since.slice(11, 16)} UTC).`, {
        hint: `\`/ops status ${holder.jobId}\` follows it; try again when it has finished.`,
        code: 'locked',
      });
    }
    const jobId = jobIdFor('plan', turn.deliveryKey);
    const breakGlass = gate.verdict === 'proceed' && gate.freeze ? request.breakGlass : undefined;
    await turn.accept({
      action: request.dryRun ? 'deploy.dry-run' : 'deploy.request', target: `${request.service}/${request.env}`, jobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${gate.verdict === 'proceed' ? gate.freeze?.name : ''}": ${breakGlass}` : request.reason,
      details: { version: request.version, strategy: request.strategy ?? target.service.strategy, dryRun: request.dryRun, ...(breakGlass ? { breakGlass: true } : {}) },
    }, { failClosed: true });
    await withQueue('enqueue', () => deps.queues.enqueue('plan', jobId, {
      ...turn.envelope(),
      change: {
        kind: 'deploy', service: request.service, version: request.version, env: request.env, dryRun: request.dryRun,
        ...(request.strategy ? { strategy: request.strategy } : {}), ...(request.reason ? { reason: request.reason } : {}), ...(breakGlass ? { breakGlass } : {}),
      },
    }));
    return queuedView(jobId, `Checking ${request.service} in ${request.env} before anything changes…`);
  };
}
