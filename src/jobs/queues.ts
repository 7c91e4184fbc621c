import { z } from 'zod';
import { Queue, type Job, type JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import { kindOfJobId } from '../core/ids.ts';
import type { Metrics } from '../adapters/metrics.ts';
import { homeOpenersKey } from '../adapters/home-openers.ts';
import type { Plan } from '../core/plan.ts';
import type { JobSummary } from '../core/job-summary.ts';
import { JOB_DATA, jobSummaryData, type ChangeJobData, type JobData } from './job-data.ts';
import { JOB_KINDS, isJobKind, type JobKind } from './kinds.ts';

const LISTED_STATES: JobState[] = [
  'active',
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
];

// Finished jobs stay long enough for /ops status and forensics; the audit log keeps the rest.
const KEEP_COMPLETED = { age: 7 * 86_400, count: 1_000 };
const KEEP_FAILED = { age: 30 * 86_400, count: 5_000 };

const HOME_REFRESH_DELAY_MS = 1_000;

export class JobQueues {
  readonly #queues: Map<JobKind, Queue>;
  readonly #metrics: Metrics;
  readonly #connection: Redis;
  readonly #homeOpeners: string;

  // BullMQ re-emits the shared connection's errors on every Queue; with no listener it prints each
  // one to stderr as a raw stack trace (one per queue per reconnect while Redis is away).
  constructor(connection: Redis, prefix: string, metrics: Metrics, onError: (error: Error) => void) {
    this.#metrics = metrics;
    this.#connection = connection;
    this.#homeOpeners = homeOpenersKey(prefix);
    this.#queues = new Map(
      (Object.keys(JOB_KINDS) as JobKind[]).map((kind) => {
        const queue = new Queue(kind, { connection, prefix, skipWaitingForReady: true });
        queue.on('error', onError);
        return [kind, queue];
      }),
    );
    metrics.queueTimeReaders.oldestWaiting = () => this.#oldestWaiting();
    metrics.queueTimeReaders.nextDelayed = () => this.#nextDelayed();
  }

  queue(kind: JobKind): Queue {
    return this.#queues.get(kind)!;
  }

  // Idempotent: the same jobId while the job is kept adds nothing (BullMQ's job-id rule).
  // The daily retention report, as a BullMQ job scheduler: every worker may upsert it, one job runs.
  async scheduleRetention(everyMs: number): Promise<void> {
    await this.queue('backup-retention').upsertJobScheduler(
      'daily-retention',
      { every: everyMs },
      { name: 'backup-retention', data: { correlationId: 'retention-schedule' } },
    );
  }

  // A job scheduler: one job per tick however many workers upsert it (BullMQ derives each job's id from
  // the scheduler id and the tick). Upserting again replaces its timing and template.
  async upsertScheduler<K extends JobKind>(
    kind: K,
    id: string,
    repeat: { pattern: string; tz: string } | { every: number },
    data: JobData<K>,
  ): Promise<void> {
    const settings = JOB_KINDS[kind];
    await this.queue(kind).upsertJobScheduler(id, repeat, {
      name: kind,
      data: JOB_DATA[kind].parse(data),
      opts: {
        attempts: settings.attempts,
        ...(settings.backoffMs ? { backoff: { type: 'exponential', delay: settings.backoffMs } } : {}),
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      },
    });
  }

  // The schedulers of a kind's queue, with when each runs next.
  async schedulers(kind: JobKind): Promise<{ id: string; next: Date | undefined }[]> {
    const found = await this.queue(kind).getJobSchedulers(0, -1, true);
    return found.map((scheduler) => ({
      id: scheduler.id ?? scheduler.key,
      next: scheduler.next ? new Date(scheduler.next) : undefined,
    }));
  }

  async removeScheduler(kind: JobKind, id: string): Promise<void> {
    await this.queue(kind).removeJobScheduler(id);
  }

  async remove(kind: JobKind, jobId: string): Promise<void> {
    await this.queue(kind).remove(jobId);
  }

  async enqueue<K extends JobKind>(
    kind: K,
    jobId: string,
    data: JobData<K>,
    options: { delayMs?: number } = {},
  ): Promise<string> {
    const settings = JOB_KINDS[kind];
    const valid = JOB_DATA[kind].parse(data);
    const job = await this.queue(kind).add(kind, valid, {
      jobId,
      attempts: settings.attempts,
      ...(settings.backoffMs ? { backoff: { type: 'exponential', delay: settings.backoffMs } } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    });
    this.#metrics.enqueued.inc({ kind });
    return job.id ?? jobId;
  }

  // Something App Home shows changed: one refresh after a short delay, however many changes come in it
  // (BullMQ deduplication: adds within the TTL are dropped; the job renders the state as it is when it runs).
  // Nobody opened Home lately: nothing to refresh, and no job (most workspaces never open it).
  async refreshHomes(correlationId: string): Promise<void> {
    if ((await this.#connection.exists(this.#homeOpeners)) === 0) return;
    const valid = JOB_DATA['home-refresh'].parse({ correlationId });
    await this.queue('home-refresh').add('home-refresh', valid, {
      deduplication: { id: 'home-refresh', ttl: HOME_REFRESH_DELAY_MS },
      delay: HOME_REFRESH_DELAY_MS,
      attempts: JOB_KINDS['home-refresh'].attempts,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    });
    this.#metrics.enqueued.inc({ kind: 'home-refresh' });
  }

  // A deploy, rollback or restore, into the queue of its kind.
  async enqueueChange(jobId: string, data: Omit<ChangeJobData, 'plan'> & { plan: Plan }): Promise<string> {
    const { plan, ...rest } = data;
    switch (plan.kind) {
      case 'deploy':
        return this.enqueue('deploy', jobId, { ...rest, plan });
      case 'rollback':
        return this.enqueue('rollback', jobId, { ...rest, plan });
      case 'restore':
        return this.enqueue('restore', jobId, { ...rest, plan });
    }
  }

  async find(jobId: string): Promise<JobSummary | undefined> {
    const kind = kindOfJobId(jobId);
    if (kind === undefined || !isJobKind(kind)) return undefined;
    const job = await this.queue(kind).getJob(jobId);
    return job ? summarize(kind, job, await job.getState()) : undefined;
  }

  async recentFor(userId: string, limit: number): Promise<JobSummary[]> {
    const perKind = await Promise.all(
      [...this.#queues].map(async ([kind, queue]) => {
        const summaries: JobSummary[] = [];
        for (const state of LISTED_STATES) {
          for (const job of await queue.getJobs([state], 0, 49)) {
            const summary = summarize(kind, job, state);
            if (summary.requestedBy === userId) summaries.push(summary);
          }
        }
        return summaries;
      }),
    );
    return perKind
      .flat()
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit);
  }

  async counts(): Promise<Map<JobKind, Record<string, number>>> {
    const entries = await Promise.all(
      [...this.#queues].map(async ([kind, queue]) => [kind, await queue.getJobCounts(...LISTED_STATES)] as const),
    );
    return new Map(entries);
  }

  // One job per queue: the waiting list in ascending order starts with the job that waited longest.
  async #oldestWaiting(now = Date.now()): Promise<Map<string, number>> {
    const ages = await Promise.all(
      [...this.#queues].map(async ([kind, queue]) => {
        const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
        return [kind, oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0] as const;
      }),
    );
    return new Map(ages);
  }

  // The delayed set is ordered by due time, so its first job is the next one due.
  async #nextDelayed(now = Date.now()): Promise<Map<string, number>> {
    const due = new Map<string, number>();
    await Promise.all(
      [...this.#queues].map(async ([kind, queue]) => {
        const [next] = await queue.getJobs(['delayed'], 0, 0, true);
        if (next) due.set(kind, Math.max(0, (next.timestamp + next.delay - now) / 1000));
      }),
    );
    return due;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
  }
}

function summarize(kind: JobKind, job: Job, state: JobState | 'unknown'): JobSummary {
  // Read back from Redis: only what parses is shown, the rest is "unknown".
  const envelope = jobSummaryData.safeParse(job.data);
  return {
    id: job.id ?? '?',
    kind,
    state,
    requestedBy: envelope.success ? envelope.data.requestedBy?.userId : undefined,
    command: envelope.success ? envelope.data.command : undefined,
    createdAt: new Date(job.timestamp),
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : undefined,
    progress: job.progress,
    failedReason: job.failedReason || undefined,
    attemptsMade: job.attemptsMade,
    outcome: outcomeOf(job.returnvalue) ?? recordedOutcome(job.data),
    approvalId: postedRequest.safeParse(job.returnvalue).data?.approvalId,
  };
}

// What a plan job returned when it posted an approval request.
const postedRequest = z.object({ approvalId: z.string() });

// What a change job returned (core's DeployOutcome shape), read back from Redis: parsed, never trusted.
const returnedOutcome = z.object({ decision: z.string(), detail: z.string().default('') });

function outcomeOf(returned: unknown): JobSummary['outcome'] {
  const parsed = returnedOutcome.safeParse(returned);
  return parsed.success ? parsed.data : undefined;
}

// A job that failed without its processor (an interrupted change) carries its outcome in its data.
function recordedOutcome(data: unknown): JobSummary['outcome'] {
  const parsed = z.object({ outcome: returnedOutcome }).safeParse(data);
  return parsed.success ? parsed.data.outcome : undefined;
}
