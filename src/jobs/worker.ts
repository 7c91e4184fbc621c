import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisOptions } from 'bullmq';
import { ConnectionErrorLog } from '../adapters/connection-errors.ts';
import { withContext } from '../adapters/log.ts';
import type { Metrics } from '../adapters/metrics.ts';
import type { View } from '../bot/views/blocks.ts';
import { unexpectedErrorView, userErrorView } from '../bot/views/errors.ts';
import { SCHEDULE_REQUESTER } from '../core/backup-schedule.ts';
import { newErrorId } from '../core/ids.ts';
import { UserError } from '../core/user-error.ts';
import { JOB_DATA, jobEnvelope } from './job-data.ts';
import { JOB_KINDS, type JobKind } from './kinds.ts';
import { isLastAttempt, type Processor, type ProcessorDeps } from './processor.ts';
import { RetryLater } from './retry-later.ts';
import { approvalExpireProcessor } from './processors/approval-expire.ts';
import { approvalMessageProcessor } from './processors/approval-message.ts';
import { backupProcessor } from './processors/backup.ts';
import { backupDigestProcessor } from './processors/backup-digest.ts';
import { backupRetentionProcessor } from './processors/backup-retention.ts';
import { backupRpoProcessor } from './processors/backup-rpo.ts';
import { blueGreenRetireProcessor } from './processors/bluegreen-retire.ts';
import { deployProcessor } from './processors/deploy.ts';
import { planProcessor } from './processors/plan.ts';
import { restoreProcessor } from './processors/restore.ts';
import { rollbackProcessor } from './processors/rollback.ts';
import { verifyProcessor } from './processors/verify.ts';
import { whoamiProcessor } from './processors/whoami.ts';
import { incidentClockProcessor } from './incident/clock-alarms.ts';
import { incidentCardProcessor, incidentEffectsProcessor } from './incident/effects.ts';
import { incidentPinProcessor } from './incident/pin.ts';
import { incidentPageProcessor } from './incident/paging.ts';
import { incidentDeclareProcessor } from './incident/setup.ts';
import { recordInterrupted } from './interrupted.ts';
import { replyToRequester } from './reply.ts';
import { homeRefreshProcessor } from './processors/home-refresh.ts';

// The routing table of the worker: one processor per job kind.
const PROCESSORS: { [K in JobKind]: Processor<K> } = {
  whoami: whoamiProcessor,
  plan: planProcessor,
  deploy: deployProcessor,
  rollback: rollbackProcessor,
  backup: backupProcessor,
  verify: verifyProcessor,
  restore: restoreProcessor,
  'backup-retention': backupRetentionProcessor,
  'approval-message': approvalMessageProcessor,
  'approval-expire': approvalExpireProcessor,
  'bluegreen-retire': blueGreenRetireProcessor,
  'incident-declare': incidentDeclareProcessor,
  'incident-card': incidentCardProcessor,
  'incident-effects': incidentEffectsProcessor,
  'incident-clock': incidentClockProcessor,
  'incident-pin': incidentPinProcessor,
  'backup-digest': backupDigestProcessor,
  'backup-rpo': backupRpoProcessor,
  'incident-page': incidentPageProcessor,
  'home-refresh': homeRefreshProcessor,
};

// The jobs whose end changes what App Home shows: a change or backup ended, a request was posted (plan),
// an incident was declared or changed (resolved, reopened).
const SHOWN_ON_HOME = new Set<JobKind>([
  'plan',
  'deploy',
  'rollback',
  'restore',
  'backup',
  'verify',
  'incident-declare',
  'incident-effects',
]);

function refreshHomesAfter(deps: ProcessorDeps, kind: JobKind, job: Job): void {
  if (!SHOWN_ON_HOME.has(kind)) return;
  deps.queues
    .refreshHomes(`home-after-${job.id ?? kind}`)
    .catch((error: unknown) => deps.logger.debug({ err: error }, 'could not ask for an App Home refresh'));
}

export type WorkerOptions = {
  connection: RedisOptions;
  prefix: string;
  concurrency: number;
  metrics: Metrics;
  lockMs: number;
};

export class JobWorkers {
  readonly #workers: Worker[];
  // Interrupted outcomes being written (jobs/interrupted.ts): close() lets them finish.
  readonly #ending = new Set<Promise<void>>();

  constructor(deps: ProcessorDeps, options: WorkerOptions) {
    const connectionErrors = new ConnectionErrorLog(deps.logger);
    this.#workers = (Object.keys(JOB_KINDS) as JobKind[]).map((kind) => {
      const worker = new Worker(
        kind,
        (job, _token, signal) => runJob(kind, job, signal ?? new AbortController().signal, deps, options.metrics),
        {
          connection: options.connection,
          prefix: options.prefix,
          concurrency: Math.min(JOB_KINDS[kind].concurrency, options.concurrency),
          // A worker that dies mid-job loses its lock after lockDuration; the stalled check then hands
          // the job to another worker once (maxStalledCount), which resumes from the job's checkpoint.
          lockDuration: options.lockMs,
          stalledInterval: options.lockMs,
          maxStalledCount: 1,
        },
      );
      worker.on('completed', (job) => {
        options.metrics.jobs.inc({ kind, outcome: 'completed' });
        refreshHomesAfter(deps, kind, job);
      });
      worker.on('failed', (job, error) => {
        options.metrics.jobs.inc({ kind, outcome: 'failed' });
        if (job) refreshHomesAfter(deps, kind, job);
        const ending = recordInterrupted(deps, kind, job, error);
        this.#ending.add(ending);
        void ending.finally(() => this.#ending.delete(ending));
      });
      worker.on('error', (error) => connectionErrors.report(error, { kind }, 'worker error'));
      return worker;
    });
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.waitUntilReady()));
  }

  // Stops taking jobs and waits for the running ones to finish (BullMQ's graceful close).
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.close()));
    await Promise.all(this.#ending);
  }
}

async function runJob<K extends JobKind>(
  kind: K,
  job: Job,
  signal: AbortSignal,
  deps: ProcessorDeps,
  metrics: Metrics,
): Promise<unknown> {
  const envelope = jobEnvelope.safeParse(job.data);
  const correlationId = envelope.success ? envelope.data.correlationId : `job-${job.id}`;
  return withContext({ correlationId, jobId: job.id ?? '?' }, async () => {
    const logger = deps.logger.child({ kind });
    const parsed = JOB_DATA[kind].safeParse(job.data);
    if (!parsed.success) {
      logger.error({ issues: parsed.error.issues }, 'job data is not valid; failing the job without running it');
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new UnrecoverableError(`job data is not valid: ${issues.join('; ')}`);
    }
    const data = parsed.data;
    const timer = metrics.jobDuration.startTimer({ kind });
    logger.info({ attempt: job.attemptsMade + 1 }, 'job started');
    try {
      const result = await (PROCESSORS[kind] as Processor<K>)({ data: data as never, job, signal, deps, logger });
      logger.info('job completed');
      return result;
    } catch (error) {
      const lastAttempt = isLastAttempt(job);
      // System jobs (message refreshes, expiries) have nobody to answer; requests do.
      // A scheduled job's requester is ops-bot itself: its result goes to the report channel instead.
      const requester =
        envelope.success && envelope.data.requestedBy.userId !== SCHEDULE_REQUESTER ? envelope.data : undefined;
      const tell = async (message: View) => {
        if (requester)
          await replyToRequester(deps.slack, requester, message).catch((replyError: unknown) =>
            logger.error({ err: replyError }, 'could not tell the requester'),
          );
      };
      if (error instanceof UserError) {
        logger.warn({ err: error }, 'job refused');
        await tell(userErrorView(error.message, error.hint));
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof RetryLater && !lastAttempt) {
        logger.info({ reason: error.message }, 'job will run again');
        throw error;
      }
      const errorId = newErrorId();
      logger.error({ err: error, errorId, lastAttempt }, 'job failed');
      if (lastAttempt) await tell(unexpectedErrorView(errorId, correlationId));
      throw error;
    } finally {
      timer();
    }
  });
}
