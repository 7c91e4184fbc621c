import { type AuditEntry } from '../core/audit.ts';
import { z } from 'zod';
import { queuedView } from '../bot/views/jobs.ts';
import { dryRunView } from '../bot/views/plan.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { DEPLOY_ROLLBACK } from '../bot/views/deploy.ts';
import { ROLLBACK_TO } from '../bot/views/history.ts';
import { describePolicy } from '../core/approval.ts';
import { jobIdFor } from '../core/ids.ts';
import { planSummary } from '../core/plan.ts';
import { gateFor, utcTime } from '../core/policy.ts';
import { deployLockKey, planningKey, serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { currentContext } from '../adapters/log.ts';
import { frozenError } from '../jobs/change-gate.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { planRollback, type RollbackChange } from '../jobs/rollback-plan.ts';
import type { ActionHandler } from './action-intake.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { reservePlanning } from './planning.ts';
import { CLUSTER_BUDGET_MS, withinBudget } from './budget.ts';
import { withQueue } from './queue-errors.ts';

export type RollbackRequest = {
  service: string;
  env: string;
  to?: { revision: number } | { version: string };
  reason?: string;
  breakGlass?: string;
  dryRun?: boolean;
};
export type Requester = {
  envelope: JobEnvelope;
  deliveryKey: string;
  accept: (
    entry: Omit<AuditEntry, 'event' | 'decision' | 'actor' | 'correlationId'>,
    options: { failClosed: boolean },
  ) => Promise<void>;
};

// /rollback, the Rollback button on a deploy message and the Rollback-to buttons of /deploy history
// all come here: the same checks, the same plan, the same gate as a deploy.
export async function requestRollback(
  deps: HandlerDeps,
  request: RollbackRequest,
  requester: Requester,
): Promise<View> {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const userId = requester.envelope.requestedBy.userId;
  await requireRole(deps, userId, 'rollback');
  const holder = await withQueue('read', () => deps.locks.holder(deployLockKey(request.service, request.env)));
  if (holder) {
    // A canary in progress is rolled back by aborting it: stable was never touched.
    const job = await deps.queues
      .queue('deploy')
      .getJob(holder.jobId)
      .catch(() => undefined);
    const strategy = z.object({ plan: z.object({ strategy: z.string() }) }).safeParse(job?.data);
    if (strategy.success && strategy.data.plan.strategy === 'canary' && (await job!.getState()) === 'active') {
      await requester.accept(
        {
          action: 'rollback.abort-canary',
          target: `${request.service}/${request.env}`,
          jobId: holder.jobId,
          reason: request.reason,
        },
        { failClosed: true },
      );
      await deps.signals.send(holder.jobId, 'abort', userId);
      const text = `Aborting the canary of ${request.service} in ${request.env} (job \`${holder.jobId}\`): it is scaled to 0 and stable stays as it is.`;
      return view(text, [section(`:no_entry_sign: ${text}`)]);
    }
    throw new UserError(
      `${request.service} in ${request.env} is being changed right now by <@${holder.userId}>: ${holder.what} (job \`${holder.jobId}\`).`,
      { hint: `Wait for it to finish, or cancel it with \`/ops cancel ${holder.jobId}\`.`, code: 'locked' },
    );
  }
  const gate = gateFor(target.env, 'rollback', request.breakGlass, deps.now());
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const breakGlass = gate.freeze ? request.breakGlass : undefined;
  const change: RollbackChange = {
    kind: 'rollback',
    service: request.service,
    env: request.env,
    dryRun: request.dryRun ?? false,
    ...(request.to ? { to: request.to } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(breakGlass ? { breakGlass } : {}),
  };
  const jobId = jobIdFor('plan', requester.deliveryKey);
  await reservePlanning(
    deps,
    request.service,
    request.env,
    jobId,
    userId,
    `rollback of ${request.service} in ${request.env}`,
  );
  try {
    return await planAndEnqueue(deps, request, requester, change, jobId, gate, breakGlass);
  } catch (error) {
    await deps.locks.unreserve(planningKey(request.service, request.env), jobId).catch(() => undefined);
    throw error;
  }
}

async function planAndEnqueue(
  deps: HandlerDeps,
  request: RollbackRequest,
  requester: Requester,
  change: RollbackChange,
  jobId: string,
  gate: Extract<ReturnType<typeof gateFor>, { verdict: 'proceed' }>,
  breakGlass: string | undefined,
): Promise<View> {
  const plan = await withinBudget(planRollback(deps, change, requester.envelope.requestedBy.userId), CLUSTER_BUDGET_MS);
  if (request.dryRun && plan) {
    await deps.locks.unreserve(planningKey(request.service, request.env), jobId);
    await requester.accept(
      { action: 'rollback.dry-run', target: `${request.service}/${request.env}`, reason: planSummary(plan) },
      { failClosed: false },
    );
    return dryRunView(plan, gate.policy ? describePolicy(gate.policy, utcTime) : undefined);
  }
  await requester.accept(
    {
      action: 'rollback.request',
      target: `${request.service}/${request.env}`,
      jobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${gate.freeze?.name}": ${breakGlass}` : request.reason,
      details: {
        ...(plan ? { plan: planSummary(plan) } : {}),
        ...(request.to ? { to: request.to } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      },
    },
    { failClosed: true },
  );
  await withQueue('enqueue', () =>
    deps.queues.enqueue('plan', jobId, { ...requester.envelope, change, ...(plan ? { plan } : {}) }),
  );
  return queuedView(
    jobId,
    plan
      ? `Planned: ${planSummary(plan)}. Asking for what it needs…`
      : `Checking ${request.service} in ${request.env} before anything changes…`,
  );
}

export function rollbackCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'rollback') return undefined;
    return requestRollback(
      deps,
      {
        service: request.service,
        env: request.env,
        ...(request.to ? { to: request.to } : {}),
        ...(request.reason ? { reason: request.reason } : {}),
        ...(request.breakGlass ? { breakGlass: request.breakGlass } : {}),
      },
      {
        envelope: turn.envelope(),
        deliveryKey: turn.deliveryKey,
        accept: (entry, options) => turn.accept(entry, options),
      },
    );
  };
}

const buttonTarget = z.object({ service: z.string(), env: z.string(), revision: z.number().int().optional() });

// The Rollback button of a deploy message and the Rollback-to buttons of /deploy history.
export function rollbackButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  const pressed: ActionHandler = async ({ payload, action, correlationId }) => {
    let target;
    try {
      target = buttonTarget.parse(JSON.parse(action.value ?? ''));
    } catch {
      throw new UserError('That Rollback button does not name a target.', { code: 'bad_button' });
    }
    const channelId = payload.channel?.id ?? payload.container?.channel_id;
    const envelope: JobEnvelope = {
      correlationId,
      requestedAt: deps.now().toISOString(),
      command: `button ${action.action_id} ${target.service} ${target.env}${target.revision !== undefined ? ` --to ${target.revision}` : ''}`,
      requestedBy: { userId: payload.user.id, ...(payload.user.team_id ? { teamId: payload.user.team_id } : {}) },
      // No responseUrl: on a button, replace_original would overwrite the message the button sits on.
      ...(channelId ? { channelId } : {}),
    };
    return requestRollback(
      deps,
      {
        service: target.service,
        env: target.env,
        ...(target.revision !== undefined ? { to: { revision: target.revision } } : {}),
        reason: 'from the Rollback button',
      },
      {
        envelope,
        deliveryKey: `action:${payload.container?.message_ts}:${action.action_id}:${action.action_ts}:${payload.user.id}`,
        accept: async (entry, options) => {
          try {
            await deps.audit.record({
              event: 'request',
              decision: 'accepted',
              actor: payload.user.id,
              correlationId: currentContext()?.correlationId ?? correlationId,
              channel: channelId,
              command: envelope.command,
              ...entry,
            });
          } catch (error) {
            if (options.failClosed)
              throw new UserError(
                'ops-bot cannot write its audit log right now, so it will not start anything. Nothing was changed.',
                { code: 'audit_unavailable' },
              );
            deps.logger.error({ err: error }, 'audit write failed');
          }
        },
      },
    );
  };
  return { [DEPLOY_ROLLBACK]: pressed, [ROLLBACK_TO]: pressed };
}
