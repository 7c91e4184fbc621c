import type { KubeCluster } from '../adapters/kube.ts';
import type { FailFast } from '../core/pod-health.ts';
import { rolloutVerdict, type DeploymentState, type RolloutVerdict } from '../core/rollout.ts';
import { ReleaseWatch, type ReleaseHealth } from './release-watch.ts';

export type FollowOptions = {
  timeoutMs: number;
  signal: AbortSignal;
  onChange?: (state: DeploymentState) => void;
  pollMs?: number;
  // The new release's pods, read while the rollout runs; with failFast, a doomed release ends it.
  onHealth?: (health: ReleaseHealth) => void;
  failFast?: FailFast | false;
  healthPollMs?: number;
};

export type FollowResult = {
  verdict: RolloutVerdict | { state: 'timeout' | 'cancelled'; message: string };
  state: DeploymentState;
};

const WATCH_FAILURES_BEFORE_POLLING = 3;

// Follows a rollout until kubectl would call it complete or failed, the timeout passes, or the job is
// cancelled. A WATCH carries the changes; when it ends (client-node closes idle watches, servers
// restart) it is re-established from the last resourceVersion seen. Polling is only the fallback
// after repeated watch failures.
export function followRollout(
  cluster: KubeCluster,
  start: DeploymentState,
  options: FollowOptions,
): Promise<FollowResult> {
  return new Promise((resolve) => new RolloutFollow(cluster, start, options, resolve).begin());
}

// One following of one rollout; it settles once, through `finish`, and then stops every source.
class RolloutFollow {
  private readonly cluster: KubeCluster;
  private readonly start: DeploymentState;
  private readonly options: FollowOptions;
  private readonly resolve: (result: FollowResult) => void;
  private latest: DeploymentState;
  private finished = false;
  private failures = 0;
  private controller: AbortController | undefined;
  private poller: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private release: ReleaseWatch | undefined;

  constructor(
    cluster: KubeCluster,
    start: DeploymentState,
    options: FollowOptions,
    resolve: (result: FollowResult) => void,
  ) {
    this.cluster = cluster;
    this.start = start;
    this.options = options;
    this.resolve = resolve;
    this.latest = start;
  }

  begin(): void {
    const seconds = Math.round(this.options.timeoutMs / 1000);
    this.timer = setTimeout(
      () => this.finish({ state: 'timeout', message: `the rollout did not finish within ${seconds} s` }),
      this.options.timeoutMs,
    );
    this.options.signal.addEventListener('abort', this.onAbort);
    // A cancel that came before the follow began fires no 'abort' event any more.
    if (this.options.signal.aborted) return this.onAbort();
    this.consider(this.start);
    this.watch();
    if (this.options.onHealth) this.watchRelease(this.options.onHealth);
  }

  // Pod problems are shown as they happen; a doomed release fails the rollout at once.
  private watchRelease(onHealth: (health: ReleaseHealth) => void): void {
    this.release = new ReleaseWatch(this.cluster, () => this.latest, {
      failFast: this.options.failFast ?? false,
      pollMs: this.options.healthPollMs ?? 750,
      onHealth: (health) => {
        if (this.finished) return;
        onHealth(health);
        if (health.doom) this.finish({ state: 'failed', message: health.doom });
      },
    });
    this.release.start();
  }

  private readonly onAbort = (): void =>
    this.finish({ state: 'cancelled', message: 'stopped following the rollout (cancelled)' });

  private finish(verdict: FollowResult['verdict']): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    clearInterval(this.poller);
    this.release?.stop();
    this.controller?.abort();
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.resolve({ verdict, state: this.latest });
  }

  private consider(state: DeploymentState): void {
    if (this.finished || Number(state.resourceVersion) < Number(this.latest.resourceVersion)) return;
    this.latest = state;
    this.options.onChange?.(state);
    const verdict = rolloutVerdict(state);
    if (verdict.state !== 'waiting') this.finish(verdict);
  }

  private poll(): void {
    const { namespace, name } = this.start;
    this.poller = setInterval(() => {
      this.cluster.readDeployment(namespace, name).then(
        (state) => {
          if (state) this.consider(state);
        },
        () => undefined,
      );
    }, this.options.pollMs ?? 2_000);
  }

  private watch(): void {
    if (this.finished) return;
    const startedAt = Date.now();
    const onState = (state: DeploymentState) => {
      this.failures = 0;
      this.consider(state);
    };
    const onEnd = () => {
      if (this.finished) return;
      // A watch that lived a while and ended is normal; one that fails at once, repeatedly, is not.
      this.failures = Date.now() - startedAt < 1_000 ? this.failures + 1 : 0;
      this.watchAgainOrPoll();
    };
    this.cluster.watchDeployment(this.start, this.latest.resourceVersion, onState, onEnd).then(
      (abort) => {
        this.controller = abort;
      },
      () => {
        this.failures += 1;
        this.watchAgainOrPoll();
      },
    );
  }

  private watchAgainOrPoll(): void {
    if (this.failures >= WATCH_FAILURES_BEFORE_POLLING) this.poll();
    else setTimeout(() => this.watch(), this.failures * 200);
  }
}
