import { createHash, randomBytes } from 'node:crypto';
import { type ObjectStore, matchesLabels, type KubeObject } from './store.ts';

export type FailureMode = 'ImagePullBackOff' | 'CrashLoopBackOff' | 'NeverReady' | 'Unschedulable';
export type ControllerOptions = {
  podReadyMs: number; // how long a healthy pod takes to become ready
  podReadyJitter?: number; // up to this fraction more, per pod, so pods become ready one by one
  secondMs: number; // how many real milliseconds one simulated second lasts (progress deadlines)
};

const REVISION = 'deployment.kubernetes.io/revision';
const HISTORY = 'deployment.kubernetes.io/revision-history';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const HASH = 'pod-template-hash';

type Template = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string; image: string }[] };
};
type Spec = {
  replicas?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: Template;
};

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

// The pod-template-hash the real controller derives from a template (its own label left out).
export function templateHash(template: Template): string {
  const labels = { ...template.metadata?.labels };
  delete labels[HASH];
  return createHash('sha256')
    .update(canonical({ ...template, metadata: { ...template.metadata, labels } }))
    .digest('hex')
    .slice(0, 10);
}

const now = () => new Date().toISOString();

// A small deployment controller: enough of kube-controller-manager for rollouts, rollbacks and the
// failures people meet at 3 a.m. It reacts to changes in the store, as the real one reacts to watches.
export class DeploymentController {
  readonly #store: ObjectStore;
  #options: ControllerOptions;
  readonly #failures: { pattern: RegExp; mode: FailureMode }[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #progressStarted = new Map<string, number>(); // deployment uid → when its current rollout began
  readonly #deadlineChecks = new Set<string>(); // deployments with a progress-deadline check scheduled
  #stopped = false;

  constructor(store: ObjectStore, options: ControllerOptions) {
    this.#store = store;
    this.#options = options;
  }

  failImage(pattern: string | RegExp, mode: FailureMode): void {
    this.#failures.push({
      pattern:
        typeof pattern === 'string' ? new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : pattern,
      mode,
    });
  }

  setTiming(options: Partial<ControllerOptions>): void {
    this.#options = { ...this.#options, ...options };
  }

  #readyDelay(): number {
    return Math.round(this.#options.podReadyMs * (1 + Math.random() * (this.#options.podReadyJitter ?? 0)));
  }

  clearFailures(): void {
    this.#failures.length = 0;
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  later(ms: number, run: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) run();
    }, ms);
    this.#timers.add(timer);
  }

  // Called after any change to a Deployment. Like the real controller, it observes the change a
  // moment later rather than inside the API request.
  deploymentChanged(namespace: string, name: string): void {
    this.later(2, () => this.reconcile(namespace, name));
  }

  reconcile(namespace: string, name: string): void {
    const deployment = this.#store.get('Deployment', namespace, name);
    if (!deployment) return this.#deleteOwned(namespace, name);
    const spec = deployment.spec as Spec;
    const template = spec.template ?? {};
    const desired = spec.replicas ?? 1;
    const owned = this.#owned('ReplicaSet', deployment);
    let current = owned.find((rs) => rs.metadata.labels?.[HASH] === templateHash(template));
    if (!spec.paused) {
      const maxRevision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
      if (!current) {
        current = this.#createReplicaSet(deployment, template, maxRevision + 1);
        this.#progressStarted.set(deployment.metadata.uid, Date.now());
      } else if (Number(current.metadata.annotations?.[REVISION]) !== maxRevision) {
        // Rolling back to an old template reuses its ReplicaSet under the next revision number, and
        // remembers the numbers it had (deployment.kubernetes.io/revision-history), as the real one does.
        const previous = current.metadata.annotations?.[REVISION];
        const history = [current.metadata.annotations?.[HISTORY], previous].filter(Boolean).join(',');
        current.metadata.annotations = {
          ...current.metadata.annotations,
          [REVISION]: String(maxRevision + 1),
          ...(history ? { [HISTORY]: history } : {}),
          ...copyCause(deployment),
        };
        current = this.#store.update(current);
        this.#progressStarted.set(deployment.metadata.uid, Date.now());
      }
      this.#stampRevision(namespace, name, current);
      // RollingUpdate with maxSurge 25% and maxUnavailable 0, as most services run: new pods come in
      // waves no larger than the surge, and old pods go only as new ones become ready.
      const olds = this.#owned('ReplicaSet', deployment).filter((rs) => rs.metadata.uid !== current!.metadata.uid);
      const oldReplicas = olds.reduce((sum, rs) => sum + Number((rs.spec as Spec).replicas ?? 0), 0);
      const surge = Math.max(1, Math.ceil(desired * 0.25));
      const currentReplicas = Number((current.spec as Spec).replicas ?? 0);
      const newReplicas =
        oldReplicas === 0 ? desired : Math.min(desired, Math.max(currentReplicas, desired + surge - oldReplicas));
      this.#scale(current, newReplicas);
      const newReady = this.#readyPods(current).length;
      let oldBudget = Math.max(0, desired - newReady);
      for (const old of olds) {
        const keep = Math.min(oldBudget, Number((old.spec as Spec).replicas ?? 0));
        oldBudget -= keep;
        this.#scale(old, keep);
      }
      // A scale-up of the new set that was held back by old pods can proceed now they are gone.
      const remainingOld = olds.reduce(
        (sum, rs) =>
          sum +
          Number(
            (this.#store.get('ReplicaSet', rs.metadata.namespace, rs.metadata.name)?.spec as Spec | undefined)
              ?.replicas ?? 0,
          ),
        0,
      );
      if (remainingOld < oldReplicas)
        this.#scale(
          this.#store.get('ReplicaSet', current.metadata.namespace, current.metadata.name)!,
          Math.min(desired, desired + surge - remainingOld),
        );
      this.#pruneHistory(deployment, current);
    }
    this.#updateDeploymentStatus(namespace, name, current);
  }

  // Keeps at most revisionHistoryLimit old ReplicaSets (scaled to 0), oldest removed first.
  #pruneHistory(deployment: KubeObject, current: KubeObject): void {
    const limit = Number((deployment.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit ?? 10);
    const old = this.#owned('ReplicaSet', deployment)
      .filter(
        (rs) =>
          rs.metadata.uid !== current.metadata.uid &&
          Number((rs.spec as Spec).replicas ?? 0) === 0 &&
          this.#owned('Pod', rs).length === 0,
      )
      .sort(
        (a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0),
      );
    for (const rs of old.slice(limit)) this.#store.delete('ReplicaSet', rs.metadata.namespace, rs.metadata.name);
  }

  // The Deployment carries the revision of its current ReplicaSet, as the real controller writes it.
  #stampRevision(namespace: string, name: string, current: KubeObject): void {
    const deployment = this.#store.get('Deployment', namespace, name);
    const revision = current.metadata.annotations?.[REVISION];
    if (!deployment || !revision || deployment.metadata.annotations?.[REVISION] === revision) return;
    this.#store.update({
      ...deployment,
      metadata: { ...deployment.metadata, annotations: { ...deployment.metadata.annotations, [REVISION]: revision } },
    });
  }

  #createReplicaSet(deployment: KubeObject, template: Template, revision: number): KubeObject {
    const hash = templateHash(template);
    const labels = { ...template.metadata?.labels, [HASH]: hash };
    return this.#store.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels,
        annotations: { [REVISION]: String(revision), ...copyCause(deployment) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: deployment.metadata.name,
            uid: deployment.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { ...(deployment.spec as Spec).selector?.matchLabels, [HASH]: hash } },
        template: { ...template, metadata: { ...template.metadata, labels } },
      },
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 },
    });
  }

  #scale(rs: KubeObject, replicas: number): void {
    if (Number((rs.spec as Spec).replicas) !== replicas) {
      rs.spec = { ...rs.spec, replicas };
      rs = this.#store.update(rs);
    }
    const pods = this.#owned('Pod', rs);
    for (let index = pods.length; index < replicas; index += 1) this.#createPod(rs);
    for (const pod of pods.slice(replicas).reverse())
      this.#store.delete('Pod', pod.metadata.namespace, pod.metadata.name);
    const remaining = this.#owned('Pod', rs);
    const ready = remaining.filter(isReady).length;
    const status = {
      replicas: remaining.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (JSON.stringify(rs.status) !== JSON.stringify(status))
      this.#store.update({ ...this.#store.get('ReplicaSet', rs.metadata.namespace, rs.metadata.name)!, status });
  }

  #createPod(rs: KubeObject): void {
    const template = (rs.spec as Spec).template ?? {};
    const containers = template.spec?.containers ?? [];
    const failure = containers.map((container) => this.#failureOf(container.image)).find((mode) => mode !== undefined);
    const pod = this.#store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rs.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        namespace: rs.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true },
        ],
      },
      spec: { containers },
      status: podStatus(containers, failure, false),
    });
    const deploymentName = rs.metadata.ownerReferences?.[0]?.name ?? '';
    if (failure) {
      this.later(this.#options.podReadyMs, () => this.#fail(pod, failure, containers));
      return;
    }
    this.later(this.#readyDelay(), () => {
      const current = this.#store.get('Pod', pod.metadata.namespace, pod.metadata.name);
      if (!current) return;
      this.#store.update({ ...current, status: podStatus(containers, undefined, true) });
      this.reconcile(rs.metadata.namespace, deploymentName);
    });
  }

  #fail(pod: KubeObject, mode: FailureMode, containers: { name: string; image: string }[]): void {
    const current = this.#store.get('Pod', pod.metadata.namespace, pod.metadata.name);
    if (!current) return;
    this.#store.update({ ...current, status: podStatus(containers, mode, false) });
    const image = containers[0]?.image ?? '';
    const [reason, message] = {
      ImagePullBackOff: [
        'Failed',
        `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to resolve reference "${image}": not found`,
      ],
      CrashLoopBackOff: [
        'BackOff',
        `Back-off restarting failed container ${containers[0]?.name ?? ''} in pod ${pod.metadata.name}`,
      ],
      NeverReady: ['Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
      Unschedulable: [
        'FailedScheduling',
        '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      ],
    }[mode];
    this.#store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: pod.metadata.namespace },
      involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace },
      reason,
      message,
      type: 'Warning',
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
      source: { component: mode === 'Unschedulable' ? 'default-scheduler' : 'kubelet' },
    });
    const deploymentName = this.#store.get(
      'ReplicaSet',
      pod.metadata.namespace,
      pod.metadata.ownerReferences?.[0]?.name ?? '',
    )?.metadata.ownerReferences?.[0]?.name;
    if (deploymentName) this.reconcile(pod.metadata.namespace, deploymentName);
  }

  #failureOf(image: string): FailureMode | undefined {
    return this.#failures.find((failure) => failure.pattern.test(image))?.mode;
  }

  #owned(kind: string, owner: KubeObject): KubeObject[] {
    return this.#store
      .list(kind, owner.metadata.namespace)
      .filter((object) => object.metadata.ownerReferences?.some((reference) => reference.uid === owner.metadata.uid));
  }

  #readyPods(rs: KubeObject): KubeObject[] {
    return this.#owned('Pod', rs).filter(isReady);
  }

  #updateDeploymentStatus(namespace: string, name: string, current: KubeObject | undefined): void {
    const deployment = this.#store.get('Deployment', namespace, name);
    if (!deployment) return;
    const spec = deployment.spec as Spec;
    const desired = spec.replicas ?? 1;
    const pods = this.#owned('ReplicaSet', deployment).flatMap((rs) => this.#owned('Pod', rs));
    const updated = current ? this.#owned('Pod', current) : [];
    const ready = pods.filter(isReady).length;
    const updatedReady = updated.filter(isReady).length;
    const complete = updated.length === desired && updatedReady === desired && pods.length === desired;
    const started = this.#progressStarted.get(deployment.metadata.uid) ?? Date.now();
    const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * this.#options.secondMs;
    const previous = (deployment.status?.conditions as { type: string; reason: string }[] | undefined)?.find(
      (condition) => condition.type === 'Progressing',
    );
    let progressing: { status: string; reason: string; message: string };
    if (complete)
      progressing = {
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${current?.metadata.name}" has successfully progressed.`,
      };
    else if (previous?.reason === 'ProgressDeadlineExceeded' || Date.now() - started > deadlineMs)
      progressing = {
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${current?.metadata.name}" has timed out progressing.`,
      };
    else
      progressing = {
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: `ReplicaSet "${current?.metadata.name}" is progressing.`,
      };
    if (
      !complete &&
      progressing.reason !== 'ProgressDeadlineExceeded' &&
      !this.#deadlineChecks.has(deployment.metadata.uid)
    ) {
      this.#deadlineChecks.add(deployment.metadata.uid);
      this.later(deadlineMs - (Date.now() - started) + 5, () => {
        this.#deadlineChecks.delete(deployment.metadata.uid);
        this.reconcile(namespace, name);
      });
    }
    const status = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: updated.length,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [
        {
          type: 'Available',
          status: ready >= desired ? 'True' : 'False',
          reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message:
            ready >= desired
              ? 'Deployment has minimum availability.'
              : 'Deployment does not have minimum availability.',
        },
        { type: 'Progressing', ...progressing },
      ],
    };
    const comparable = (value: unknown) => JSON.stringify(value);
    if (comparable(stripTimes(deployment.status)) === comparable(status)) return;
    this.#store.update({
      ...deployment,
      status: {
        ...status,
        conditions: status.conditions.map((condition) => ({
          ...condition,
          lastUpdateTime: now(),
          lastTransitionTime: now(),
        })),
      },
    });
  }

  #deleteOwned(namespace: string, name: string): void {
    for (const rs of this.#store
      .list('ReplicaSet', namespace)
      .filter((object) =>
        object.metadata.ownerReferences?.some(
          (reference) => reference.kind === 'Deployment' && reference.name === name,
        ),
      )) {
      for (const pod of this.#store
        .list('Pod', namespace)
        .filter((object) => object.metadata.ownerReferences?.some((reference) => reference.uid === rs.metadata.uid)))
        this.#store.delete('Pod', namespace, pod.metadata.name);
      this.#store.delete('ReplicaSet', namespace, rs.metadata.name);
    }
  }

  podsMatching(namespace: string, selector: string): KubeObject[] {
    return this.#store.list('Pod', namespace).filter((pod) => matchesLabels(pod.metadata.labels, selector));
  }
}

function copyCause(deployment: KubeObject): Record<string, string> {
  const cause = deployment.metadata.annotations?.[CHANGE_CAUSE];
  return cause ? { [CHANGE_CAUSE]: cause } : {};
}

function isReady(pod: KubeObject): boolean {
  return (
    (pod.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    ) ?? false
  );
}

function stripTimes(status: Record<string, unknown> | undefined): unknown {
  if (!status) return status;
  return {
    ...status,
    conditions: (status.conditions as Record<string, unknown>[] | undefined)?.map(
      ({ lastUpdateTime: _u, lastTransitionTime: _t, ...rest }) => rest,
    ),
  };
}

function podStatus(
  containers: { name: string; image: string }[],
  failure: FailureMode | undefined,
  ready: boolean,
): Record<string, unknown> {
  const scheduled = failure !== 'Unschedulable';
  const waiting =
    failure === 'ImagePullBackOff' || failure === 'CrashLoopBackOff'
      ? {
          waiting: {
            reason: failure,
            message:
              failure === 'ImagePullBackOff'
                ? `Back-off pulling image "${containers[0]?.image}"`
                : 'back-off 40s restarting failed container',
          },
        }
      : undefined;
  return {
    phase: scheduled && (ready || failure === 'NeverReady' || failure === 'CrashLoopBackOff') ? 'Running' : 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: scheduled ? 'True' : 'False',
        ...(scheduled ? {} : { reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }),
      },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
    containerStatuses: scheduled
      ? containers.map((container) => ({
          name: container.name,
          image: container.image,
          ready,
          restartCount: failure === 'CrashLoopBackOff' ? 4 : 0,
          state:
            waiting ??
            (ready || failure === 'NeverReady'
              ? { running: { startedAt: now() } }
              : { waiting: { reason: 'ContainerCreating' } }),
          ...(failure === 'CrashLoopBackOff' ? { lastState: { terminated: { exitCode: 1, reason: 'Error' } } } : {}),
        }))
      : [],
  };
}
