import type { Job } from 'bullmq';
import type { KubeCluster } from '../../adapters/kube.ts';
import type { JobSignal, SignalRecord } from '../../adapters/job-signals.ts';
import type { MessageRef } from '../../adapters/slack.ts';
import { deployView, threadNote, type DeployProgress } from '../../bot/views/deploy.ts';
import type { CatalogService } from '../../core/catalog.ts';
import type { WorkloadPlan } from '../../core/plan.ts';
import type { DeploymentState } from '../../core/rollout.ts';
import type { JobData } from '../job-data.ts';
import type { ProcessorDeps } from '../processor.ts';
import { ProgressReporter } from '../progress-reporter.ts';
import { followRollout, type FollowResult } from '../rollout-follower.ts';

export type Stage = NonNullable<JobData<'deploy'>['resume']>['stage'];
const SIGNAL_POLL_MS = 300;

// Everything one deploy carries while it runs: the plan, the cluster, its progress message, what
// it has done so far (saved in the job, so a job resumed after a worker died picks up from there),
// and signals from people (Cancel, Promote, Abort) pressed on any replica.
export type ChangeData<P extends WorkloadPlan> = Omit<JobData<'deploy'>, 'plan'> & { plan: P };

export class DeployRun<P extends WorkloadPlan = WorkloadPlan> {
  readonly deps: ProcessorDeps;
  readonly job: Job;
  readonly data: ChangeData<P>;
  readonly plan: P;
  readonly jobId: string;
  readonly cluster: KubeCluster;
  readonly service: CatalogService;
  readonly progress: DeployProgress;
  stop: AbortController = new AbortController();
  reporter!: ProgressReporter;
  #signal: JobSignal | undefined;
  #cancel: SignalRecord | undefined;
  #poller: NodeJS.Timeout | undefined;
  #permalink: string | undefined;

  constructor(
    deps: ProcessorDeps,
    job: Job,
    data: ChangeData<P>,
    cluster: KubeCluster,
    service: CatalogService,
    jobAbort: AbortSignal,
  ) {
    this.deps = deps;
    this.job = job;
    this.data = data;
    this.plan = data.plan;
    this.jobId = job.id ?? 'deploy-unknown';
    this.cluster = cluster;
    this.service = service;
    this.progress = {
      phase: 'starting',
      startedAt: new Date(data.resume?.startedAt ?? Date.now()),
      ready: 0,
      desired: data.plan.replicas,
      problems: [],
    };
    jobAbort.addEventListener('abort', () => this.stop.abort());
  }

  get resumedAt(): Stage | undefined {
    return this.data.resume?.stage;
  }

  async open(): Promise<void> {
    const channel = this.data.channelId ?? this.data.resume?.message?.channel;
    if (!channel) throw new Error('a deploy needs a channel for its progress message');
    this.reporter = await ProgressReporter.open(this.deps.slack, channel, () => this.view(), {
      logger: this.deps.logger,
      existing: this.data.resume?.message,
      minIntervalMs: this.deps.progressIntervalMs,
    });
    // The link people are given when they ask to change this target while it is busy.
    this.#permalink =
      this.data.resume?.permalink ?? (await this.deps.slack.permalink(this.reporter.ref).catch(() => undefined));
    await this.checkpoint(this.resumedAt ?? 'started');
    this.#poller = setInterval(() => void this.#pollSignals(), SIGNAL_POLL_MS);
  }

  view() {
    return deployView({
      plan: this.plan,
      jobId: this.jobId,
      requester: this.data.requestedBy.userId,
      progress: this.progress,
    });
  }

  set(change: Partial<DeployProgress>): void {
    Object.assign(this.progress, change);
    this.reporter?.changed();
  }

  note(text: string): Promise<void> {
    return this.reporter.thread(threadNote(text));
  }

  // Saved in the job's data: where the deploy is and which message shows it.
  async checkpoint(stage: Stage, extra: { step?: number } = {}): Promise<void> {
    const message: MessageRef | undefined = this.reporter?.ref;
    await this.job.updateData({
      ...this.data,
      resume: {
        stage,
        startedAt: this.progress.startedAt.getTime(),
        ...(message ? { message } : {}),
        ...(this.#permalink ? { permalink: this.#permalink } : {}),
        ...extra,
      },
    });
  }

  signalled(): JobSignal | undefined {
    return this.#signal;
  }

  async #pollSignals(): Promise<void> {
    const record = await this.deps.signals.read(this.jobId).catch(() => undefined);
    if (!record || record.signal === this.#signal) return;
    this.#signal = record.signal;
    if (record.signal !== 'cancel') return;
    this.#cancel = record;
    this.stop.abort();
  }

  // Who cancelled, and whether they asked to leave the cluster as it is (`--leave`).
  cancelledBy(): { by: string; leave: boolean } | undefined {
    return this.#cancel ? { by: this.#cancel.by, leave: this.#cancel.leave === true } : undefined;
  }

  // After a cancel, putting the cluster back is followed like any rollout: it needs a live signal.
  followAgain(): void {
    this.stop = new AbortController();
  }

  // Waits `ms`, or less when someone presses Promote, Abort or Cancel.
  async hold(ms: number): Promise<'elapsed' | JobSignal> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const signal = this.#signal;
      if (signal) return signal;
      if (this.stop.signal.aborted) return 'cancel';
      await new Promise((resolve) => setTimeout(resolve, Math.min(SIGNAL_POLL_MS, deadline - Date.now())));
    }
    return this.#signal ?? 'elapsed';
  }

  async follow(start: DeploymentState, onChange?: (state: DeploymentState) => void): Promise<FollowResult> {
    const result = await followRollout(this.cluster, start, {
      timeoutMs: Math.max(1_000, this.service.timeout - (Date.now() - this.progress.startedAt.getTime())),
      signal: this.stop.signal,
      onChange: (state) => {
        if (onChange) onChange(state);
        else this.set({ ready: state.available, desired: state.desired });
      },
    });
    if (result.verdict.state === 'failed' || result.verdict.state === 'timeout') {
      const problems = await this.cluster.podProblems(result.state).catch(() => []);
      this.set({ problems: dedupe(problems) });
    }
    return result;
  }

  async close(): Promise<void> {
    clearInterval(this.#poller);
    this.progress.finishedAt ??= new Date();
    await this.reporter?.finish();
    await this.deps.signals.clear(this.jobId).catch(() => undefined);
  }
}

// One line per reason is what a person reads at 3 a.m., not one per pod.
function dedupe(problems: { pod: string; reason: string; message: string }[]) {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    if (seen.has(problem.reason)) return false;
    seen.add(problem.reason);
    return true;
  });
}
