import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { MessageRef } from '../adapters/slack.ts';
import { backupView, restoreView } from '../bot/views/backup.ts';
import type { View } from '../bot/views/blocks.ts';
import { deployView } from '../bot/views/deploy.ts';
import { interruptedReplyView, outcomeMarker, outcomeMentionView } from '../bot/views/outcome.ts';
import { planSubject, planTarget, type RestorePlan, type WorkloadPlan } from '../core/plan.ts';
import { approversOf, replyOnce } from './deploy/outcome.ts';
import { JOB_DATA, type JobData, type JobEnvelope } from './job-data.ts';
import type { JobKind } from './kinds.ts';
import type { ProcessorDeps } from './processor.ts';
import { replyToRequester } from './reply.ts';

// BullMQ's words when a job stalled more than maxStalledCount times (its worker died, twice).
const STALLED = 'job stalled more than allowable limit';

// A change whose start is in the audit log, ended by BullMQ without its processor: what it was, where
// its message is and what to say, in the same words for the channel, the requester and the audit log.
type Ending = {
  what: string;
  target: string;
  reason: string;
  envelope: JobEnvelope;
  message: MessageRef | undefined;
  // The progress message as it must read now.
  view: () => View;
  // A deploy or rollback tells people in its message's thread, as its other outcomes do.
  mention?: (approvers: string[]) => View;
  approvalId?: string | undefined;
};

// The kinds that write a `<kind>.start` row (jobs/job-audit.ts callers), and so owe a result.
type EndingOf = (job: Job, cause: string, deps: ProcessorDeps) => Ending | undefined;
const ENDINGS: Partial<Record<JobKind, EndingOf>> = {
  deploy: (job, cause, deps) => workloadEnding(job, cause, deps.now(), JOB_DATA.deploy.safeParse(job.data).data),
  rollback: (job, cause, deps) => workloadEnding(job, cause, deps.now(), JOB_DATA.rollback.safeParse(job.data).data),
  backup: (job, cause, deps) => backupEnding(job, cause, deps, JOB_DATA.backup.safeParse(job.data).data),
  restore: (job, cause) => restoreEnding(job, cause, JOB_DATA.restore.safeParse(job.data).data),
};

// Listens to BullMQ's `failed` on every worker. Every start gets exactly one result: when a change job
// fails without its processor having written one — BullMQ gave up after the worker died twice, or the
// job failed before the processor could record how — this writes `interrupted` with the reason, once
// (the audit log decides who writes it), then corrects its message and tells the requester. Never
// throws: Redis or PostgreSQL away at that moment is logged.
export async function recordInterrupted(
  deps: ProcessorDeps,
  kind: JobKind,
  job: Job | undefined,
  error: Error,
): Promise<void> {
  const endingOf = ENDINGS[kind];
  if (!job?.id || !endingOf) return;
  const logger = deps.logger.child({ kind, jobId: job.id });
  try {
    const cause =
      error.message === STALLED
        ? 'the worker running it stopped twice'
        : `it failed without recording how it ended (${error.message})`;
    const ending = endingOf(job, cause, deps);
    if (!ending || !(await firstToRecord(deps, kind, job.id, ending, logger))) return;
    logger.warn({ reason: ending.reason }, 'change interrupted');
    await job
      .updateData({ ...job.data, outcome: { decision: 'interrupted', detail: ending.reason } })
      .catch((failure: unknown) => logger.warn({ err: failure }, 'could not record the outcome in the job'));
    await tellInterrupted(deps, job.id, ending, logger);
  } catch (failure) {
    logger.error({ err: failure }, 'could not end an interrupted change');
  }
}

// The result row, unless one exists (another worker, or the processor, wrote it). PostgreSQL away: the
// people are told all the same (updating a message and a marked thread reply are idempotent), and the
// missing row is logged for whoever reads the log.
async function firstToRecord(
  deps: ProcessorDeps,
  kind: JobKind,
  jobId: string,
  ending: Ending,
  logger: Logger,
): Promise<boolean> {
  const { envelope } = ending;
  // Deploys and rollbacks are releases: the ledger's outcome commits with the result row.
  const release =
    kind === 'deploy' || kind === 'rollback'
      ? deps.releases.finishing({ jobId, outcome: 'interrupted', detail: ending.reason })
      : undefined;
  try {
    const recorded = await deps.audit.recordMissingResult(
      {
        event: 'result',
        decision: 'interrupted',
        actor: envelope.requestedBy.userId,
        correlationId: envelope.correlationId,
        channel: envelope.channelId,
        action: `${kind}.result`,
        target: ending.target,
        jobId,
        reason: ending.reason,
      },
      release?.write,
    );
    if (recorded) release?.committed();
    return recorded;
  } catch (error) {
    logger.error({ err: error, reason: ending.reason }, 'could not write the interrupted result to the audit log');
    return true;
  }
}

async function tellInterrupted(deps: ProcessorDeps, jobId: string, ending: Ending, logger: Logger): Promise<void> {
  if (ending.message)
    await deps.slack
      .updateMessage(ending.message, ending.view())
      .catch((error: unknown) => logger.error({ err: error }, 'could not mark the progress message interrupted'));
  if (ending.message && ending.mention) {
    const mention = ending.mention(await approversOf(deps, ending.approvalId));
    await replyOnce(deps, ending.message, outcomeMarker(jobId, 'outcome'), mention);
    return;
  }
  await replyToRequester(deps.slack, ending.envelope, interruptedReplyView(ending.what, jobId, ending.reason)).catch(
    (error: unknown) => logger.error({ err: error }, 'could not tell the requester'),
  );
}

function workloadEnding(
  job: Job,
  cause: string,
  now: Date,
  data: JobData<'deploy'> | JobData<'rollback'> | undefined,
): Ending | undefined {
  if (!data) return undefined;
  const plan: WorkloadPlan = data.plan;
  const jobId = job.id!;
  const requester = data.requestedBy.userId;
  const reason = `${cause}; the cluster may be mid-rollout — check \`/deploy history ${plan.service} ${plan.env}\``;
  const progress = {
    phase: 'interrupted' as const,
    startedAt: new Date(data.resume?.startedAt ?? job.processedOn ?? job.timestamp),
    finishedAt: now,
    ready: 0,
    desired: plan.replicas,
    problems: [],
    failure: reason,
  };
  return {
    what: plan.kind === 'rollback' ? `rollback of ${plan.service} in ${plan.env}` : `deploy of ${planSubject(plan)}`,
    target: planTarget(plan),
    reason,
    envelope: data,
    message: data.resume?.message,
    approvalId: data.approvalId,
    view: () => deployView({ plan, jobId, requester, progress }),
    mention: (approvers) =>
      outcomeMentionView({
        plan,
        jobId,
        requester,
        approvers,
        icon: ':warning:',
        words: 'interrupted',
        detail: reason,
      }),
  };
}

function backupEnding(
  job: Job,
  cause: string,
  deps: ProcessorDeps,
  data: JobData<'backup'> | undefined,
): Ending | undefined {
  if (!data) return undefined;
  const database = deps.catalog.databases[data.database];
  const reason = `${cause}; the backup may be incomplete — check \`/backup list ${data.database}\` before relying on it`;
  return {
    what: `backup of ${data.database}`,
    target: data.database,
    reason,
    envelope: data,
    message: data.progress,
    view: () =>
      backupView({
        database: data.database,
        engine: database?.engine ?? 'database',
        source: database ? (database.engine === 'postgres' ? database.dir : database.identifier) : data.database,
        jobId: job.id!,
        requester: data.requestedBy.userId,
        reason: data.reason,
        phase: 'interrupted',
        id: undefined,
        failure: reason,
      }),
  };
}

function restoreEnding(job: Job, cause: string, data: JobData<'restore'> | undefined): Ending | undefined {
  if (!data) return undefined;
  const plan: RestorePlan = data.plan;
  const reason = `${cause}; ${plan.target} may be partly created — check it before using it`;
  return {
    what: `restore of ${plan.backupId} into ${plan.target}`,
    target: planTarget(plan),
    reason,
    envelope: data,
    message: data.progress,
    view: () =>
      restoreView({
        backupId: plan.backupId,
        database: plan.database,
        target: plan.target,
        engine: plan.engine,
        jobId: job.id!,
        requester: data.requestedBy.userId,
        phase: 'interrupted',
        failure: reason,
      }),
  };
}
