import type { KubeCluster, ReleaseSet } from '../adapters/kube.ts';
import { doomOf, podProblems, type FailFast, type FirstSeen, type PodProblem } from '../core/pod-health.ts';
import type { DeploymentState } from '../core/rollout.ts';

// The new release's pods as a person should see them: how many of the desired are ready, how many
// old pods still serve, and what is wrong, one line per reason. `doom` when the release cannot succeed.
export type ReleaseHealth = {
  newReady: number;
  newTotal: number;
  oldServing: number;
  problems: PodProblem[];
  doom: string | undefined;
};

type Options = { failFast: FailFast | false; pollMs: number; onHealth: (health: ReleaseHealth) => void };

// Polls the pods of the ReplicaSet the Deployment is rolling out (found once per revision) and their
// Warning events. Polling, not a watch: pods come and go during a rollout and one list per tick is
// cheaper to reason about than a watch per ReplicaSet; a failed read is skipped, the next tick retries.
export class ReleaseWatch {
  readonly #cluster: KubeCluster;
  readonly #latest: () => DeploymentState;
  readonly #options: Options;
  readonly #firstSeen: FirstSeen = new Map();
  #release: ReleaseSet | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;
  #stopped = false;

  constructor(cluster: KubeCluster, latest: () => DeploymentState, options: Options) {
    this.#cluster = cluster;
    this.#latest = latest;
    this.#options = options;
  }

  start(): void {
    void this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#options.pollMs);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    if (this.#reading || this.#stopped) return;
    this.#reading = true;
    try {
      const health = await this.#read();
      if (health && !this.#stopped) this.#options.onHealth(health);
    } catch {
      // The Deployment's own watch still decides the rollout; the next tick reads the pods again.
    } finally {
      this.#reading = false;
    }
  }

  async #read(): Promise<ReleaseHealth | undefined> {
    const deployment = this.#latest();
    // Until the controller has seen the new template, the revision is still the old release's: reading
    // it then would count the old pods as the new release's ready ones.
    if (deployment.observedGeneration < deployment.generation) return undefined;
    if (this.#release?.revision !== deployment.revision) this.#release = await this.#cluster.releaseSet(deployment);
    if (!this.#release) return undefined;
    return readReleaseHealth(this.#cluster, this.#release, this.#latest, {
      failFast: this.#options.failFast,
      firstSeen: this.#firstSeen,
    });
  }
}

// One reading of a release's pods: counts, problems and, with failFast, whether it is doomed.
export async function readReleaseHealth(
  cluster: KubeCluster,
  release: ReleaseSet,
  latest: () => DeploymentState,
  options: { failFast: FailFast | false; firstSeen: FirstSeen },
): Promise<ReleaseHealth> {
  const pods = await cluster.podHealth(latest().namespace, release.podLabels);
  const newReady = pods.filter((pod) => pod.ready).length;
  const problems = podProblems(pods, { now: Date.now(), ...options });
  return {
    newReady,
    newTotal: pods.length,
    oldServing: Math.max(0, latest().available - newReady),
    problems,
    doom: options.failFast === false ? undefined : doomOf(problems),
  };
}
