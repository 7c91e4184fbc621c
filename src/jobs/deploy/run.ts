import type { Job } from 'bullmq';
import type { KubeCluster } from '../../adapters/kube.ts';
import type { JobSignal, SignalRecord } from '../../adapters/job-signals.ts';
import type { MessageRef } from '../../adapters/slack.ts';
import { deployView, threadNote, type DeployProgress } from '../../bot/views/deploy.ts';
import type { CatalogService } from '../../core/catalog.ts';
import type { WorkloadPlan } from '../../core/plan.ts';
import { promotionTarget } from '../../core/promote.ts';
import type { DeploymentState } from '../../core/rollout.ts';
import type { JobData } from '../job-data.ts';
import type { ProcessorDeps } from '../processor.ts';
import { ProgressReporter } from '../progress-reporter.ts';
import { readReleaseHealth, type ReleaseHealth } from '../release-watch.ts';
import { followRollout, type FollowResult } from '../rollout-follower.ts';

export type Stage = NonNullable<JobData<'deploy'>['resume']>['stage'];
export const SIGNAL_POLL_MS = 300;

// Everything one deploy carries while it runs: the plan, the cluster, its progress message, what
// it has done so far (saved in the job, so a job resumed after a worker died picks up from there),
// and signals from people (Cancel, Abort) pressed on any replica; a canary's Promote and Pause are
// read by its hold (canary-hold.ts).
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
  #signalBy: string | undefined;
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
      promoteTo: promotionTarget(this.deps.catalog, this.plan.service, this.plan.env),
    });
  }

  set(change: Partial<DeployProgress>, urgent = false): void {
    Object.assign(this.progress, change);
    if (urgent) this.reporter?.now();
    else this.reporter?.changed();
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

  // Who pressed Abort (or cancelled), to be named in the message.
  signalledBy(): string | undefined {
    return this.#signalBy;
  }

  async #pollSignals(): Promise<void> {
    const record = await this.deps.signals.read(this.jobId).catch(() => undefined);
    if (!record || record.signal === this.#signal) return;
    this.#signal = record.signal;
    this.#signalBy = record.by;
    if (record.signal !== 'cancel') return;
    // The automatic rollback is already putting the start revision back: a cancel must not stop it.
    if (this.progress.phase === 'rolling-back') return;
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

  // While a release rolls out, its own pods are counted and their problems shown as they happen;
  // `onChange` marks a follow of the automatic rollback, whose pods must not replace what failed.
  async follow(start: DeploymentState, onChange?: (state: DeploymentState) => void): Promise<FollowResult> {
    const result = await followRollout(this.cluster, start, {
      timeoutMs: Math.max(1_000, this.service.timeout - (Date.now() - this.progress.startedAt.getTime())),
      signal: this.stop.signal,
      onChange: onChange ?? ((state) => this.set({ desired: state.desired })),
      ...(onChange ? {} : { onHealth: (health: ReleaseHealth) => this.#showHealth(health) }),
      failFast: onChange ? false : this.service.failFast,
    });
    if (result.verdict.state === 'failed' || result.verdict.state === 'timeout') await this.#explainFailure(result);
    return result;
  }

  // A problem that was not shown before goes out at once: it is what the person is waiting to see.
  #showHealth(health: ReleaseHealth): void {
    const known = new Set(this.progress.problems.map((problem) => problem.reason));
    const news = health.problems.some((problem) => !known.has(problem.reason));
    this.set({ ready: health.newReady, old: health.oldServing, problems: health.problems }, news);
  }

  // A rollout that failed before its pods were read (a deadline, a timeout) still says why, if it can.
  async #explainFailure(result: FollowResult): Promise<void> {
    if (this.progress.problems.length > 0) return;
    const release = await this.cluster.releaseSet(result.state).catch(() => undefined);
    if (!release) return;
    const health = await readReleaseHealth(this.cluster, release, () => result.state, {
      failFast: false,
      firstSeen: new Map(),
    }).catch(() => undefined);
    if (health) this.set({ problems: health.problems });
  }

  async close(): Promise<void> {
    clearInterval(this.#poller);
    this.progress.finishedAt ??= new Date();
    await this.reporter?.finish();
    await this.deps.signals.clear(this.jobId).catch(() => undefined);
  }
}
