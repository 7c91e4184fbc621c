import type { KubeCluster } from '../adapters/kube.ts';
import { rolloutVerdict, type DeploymentState, type RolloutVerdict } from '../core/rollout.ts';

export type FollowOptions = {
  timeoutMs: number;
  signal: AbortSignal;
  onChange?: (state: DeploymentState) => void;
  pollMs?: number;
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
  return new Promise((resolve) => {
    let latest = start;
    let finished = false;
    let failures = 0;
    let controller: AbortController | undefined;
    let poller: NodeJS.Timeout | undefined;
    const finish = (verdict: FollowResult['verdict']) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(poller);
      controller?.abort();
      options.signal.removeEventListener('abort', onAbort);
      resolve({ verdict, state: latest });
    };
    const consider = (state: DeploymentState) => {
      if (finished || Number(state.resourceVersion) < Number(latest.resourceVersion)) return;
      latest = state;
      options.onChange?.(state);
      const verdict = rolloutVerdict(state);
      if (verdict.state !== 'waiting') finish(verdict);
    };
    const poll = () => {
      poller = setInterval(() => {
        cluster.readDeployment(start.namespace, start.name).then(
          (state) => {
            if (state) consider(state);
          },
          () => undefined,
        );
      }, options.pollMs ?? 2_000);
    };
    const watch = () => {
      if (finished) return;
      const startedAt = Date.now();
      cluster
        .watchDeployment(
          start,
          latest.resourceVersion,
          (state) => {
            failures = 0;
            consider(state);
          },
          () => {
            if (finished) return;
            // A watch that lived a while and ended is normal; one that fails at once, repeatedly, is not.
            failures = Date.now() - startedAt < 1_000 ? failures + 1 : 0;
            if (failures >= WATCH_FAILURES_BEFORE_POLLING) poll();
            else setTimeout(watch, failures * 200);
          },
        )
        .then(
          (abort) => {
            controller = abort;
          },
          () => {
            failures += 1;
            if (failures >= WATCH_FAILURES_BEFORE_POLLING) poll();
            else setTimeout(watch, failures * 200);
          },
        );
    };
    const onAbort = () => finish({ state: 'cancelled', message: 'stopped following the rollout (cancelled)' });
    const timer = setTimeout(
      () =>
        finish({
          state: 'timeout',
          message: `the rollout did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
        }),
      options.timeoutMs,
    );
    options.signal.addEventListener('abort', onAbort);
    consider(start);
    watch();
  });
}
