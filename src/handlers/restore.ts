import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { queuedView } from '../bot/views/jobs.ts';
import { RESTORE_MODAL } from '../bot/views/restore-modal.ts';
import type { View } from '../bot/views/blocks.ts';
import { nameValue } from '../core/grammar/values.ts';
import { jobIdFor } from '../core/ids.ts';
import { planSummary } from '../core/plan.ts';
import { gateFor } from '../core/policy.ts';
import { environmentOf, planningKey } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { planRestore } from '../jobs/backup/restore-plan.ts';
import { frozenError } from '../jobs/change-gate.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { requireRole } from './authorize.ts';
import { CLUSTER_BUDGET_MS, withinBudget } from './budget.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { viewOfError } from './error-boundary.ts';
import { reservePlanning } from './planning.ts';
import { withQueue } from './queue-errors.ts';

type Accept = (entry: {
  action: string;
  target?: string;
  jobId?: string;
  reason?: string;
  details?: Record<string, unknown>;
}) => Promise<void>;

// /restore and the Restore… form: into a NEW target only, through the same gate as every change
// (the database's environment decides about approval and freezes).
export async function requestRestore(
  deps: HandlerDeps,
  ask: { backupId: string; target: string; reason?: string | undefined; breakGlass?: string | undefined },
  envelope: JobEnvelope,
  deliveryKey: string,
  accept: Accept,
): Promise<View> {
  const userId = envelope.requestedBy.userId;
  await requireRole(deps, userId, 'restore');
  const record = await deps.backups.get(ask.backupId);
  if (!record)
    throw new UserError(`ops-bot has no backup \`${ask.backupId}\`.`, {
      hint: '`/backup list <database>` shows the backups ops-bot took.',
      code: 'unknown_backup',
    });
  const database = deps.catalog.databases[record.database];
  if (!database)
    throw new UserError(`\`${record.database}\` is no longer in the catalog.`, { code: 'unknown_database' });
  const gate = gateFor(environmentOf(deps.catalog, database.environment), 'restore', ask.breakGlass, deps.now());
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const breakGlass = gate.freeze ? ask.breakGlass : undefined;
  const change = {
    kind: 'restore' as const,
    backupId: ask.backupId,
    target: ask.target,
    service: record.database,
    env: database.environment,
    dryRun: false,
    ...(ask.reason ? { reason: ask.reason } : {}),
    ...(breakGlass ? { breakGlass } : {}),
  };
  const jobId = jobIdFor('plan', deliveryKey);
  await reservePlanning(
    deps,
    record.database,
    database.environment,
    jobId,
    userId,
    `restore of ${ask.backupId} into ${ask.target}`,
  );
  try {
    const plan = await withinBudget(planRestore(deps, change), CLUSTER_BUDGET_MS);
    await accept({
      action: 'restore.request',
      target: `${record.database}/${database.environment}`,
      jobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${gate.freeze?.name}": ${breakGlass}` : ask.reason,
      details: { backupId: ask.backupId, into: ask.target },
    });
    await withQueue('enqueue', () =>
      deps.queues.enqueue('plan', jobId, { ...envelope, change, ...(plan ? { plan } : {}) }),
    );
    return queuedView(
      jobId,
      plan
        ? `Planned: ${planSummary(plan)}. Asking for what it needs…`
        : `Checking ${ask.target} before anything changes…`,
    );
  } catch (error) {
    await deps.locks.unreserve(planningKey(record.database, database.environment), jobId).catch(() => undefined);
    throw error;
  }
}

export function restoreCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'restore') return undefined;
    return requestRestore(
      deps,
      { backupId: request.backupId, target: request.target, reason: request.reason, breakGlass: request.breakGlass },
      turn.envelope(),
      turn.deliveryKey,
      (entry) => turn.accept(entry, { failClosed: true }),
    );
  };
}

const restoreSubmission = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({
    id: z.string(),
    private_metadata: z.string(),
    state: z.object({
      values: z.object({
        target: z.object({ value: z.object({ value: z.string().nullish() }) }),
        reason: z.object({ value: z.object({ value: z.string().nullish() }) }).optional(),
      }),
    }),
  }),
});

// The Restore… form: a bad name is shown next to its field (response_action: errors), the outcome
// of the request goes to the person privately in the channel the button was in.
export function restoreSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = restoreSubmission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const { user, view: modal } = parsed.data;
    const meta = z
      .object({ backupId: z.string(), channel: z.string() })
      .safeParse(JSON.parse(modal.private_metadata || '{}'));
    const target = nameValue('target').safeParse((modal.state.values.target.value.value ?? '').trim());
    if (!target.success)
      return void (await ack({
        response_action: 'errors',
        errors: { target: `Use lowercase letters, digits and hyphens, starting with a letter.` },
      }));
    await ack();
    if (!meta.success) return;
    const correlationId = currentContext()?.correlationId ?? 'none';
    const envelope: JobEnvelope = {
      correlationId,
      command: `form restore ${meta.data.backupId} to ${target.data}`,
      requestedAt: deps.now().toISOString(),
      requestedBy: { userId: user.id, ...(user.team_id ? { teamId: user.team_id } : {}) },
      channelId: meta.data.channel,
    };
    const reason = modal.state.values.reason?.value.value ?? undefined;
    let answer: View;
    try {
      answer = await requestRestore(
        deps,
        { backupId: meta.data.backupId, target: target.data, reason },
        envelope,
        `view:${modal.id}`,
        async (entry) => {
          await deps.audit.record({
            event: 'request',
            decision: 'accepted',
            actor: user.id,
            correlationId,
            channel: meta.data.channel,
            command: envelope.command,
            ...entry,
          });
        },
      );
    } catch (error) {
      answer = viewOfError(error, correlationId, deps.logger);
      await deps.audit
        .record({
          event: 'request',
          decision: 'refused',
          actor: user.id,
          correlationId,
          channel: meta.data.channel,
          command: envelope.command,
          action: 'restore.request',
          reason: error instanceof Error ? error.message : String(error),
        })
        .catch(() => undefined);
    }
    await deps.slack
      .postEphemeral(meta.data.channel, user.id, answer)
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not answer the restore form'));
  };
}

export { RESTORE_MODAL };
