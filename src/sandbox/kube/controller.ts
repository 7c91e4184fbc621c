import { randomBytes } from 'node:crypto';
import {
  deploymentStatus,
  previousProgressing,
  progressingCondition,
  stripTimes,
  withTimes,
} from './deployment-status.ts';
import { scalingEvent } from './deployment-events.ts';
import { failureEvent, isReady, keepsFailing, podStatus, type Container, type FailureMode } from './pod-status.ts';
import { type ObjectStore, matchesLabels, type KubeObject } from './store.ts';
import { HASH, templateHash, type Template } from './template-hash.ts';

export type { FailureMode } from './pod-status.ts';
// Reported each time a failing pod's state moves on: when a doomed state was first shown, for benchmarks.
export type FailureStep = { pod: string; namespace: string; mode: FailureMode; step: number; at: number };
export type ControllerOptions = {
  podReadyMs: number; // how long a healthy pod takes to become ready
  podReadyJitter?: number; // up to this fraction more, per pod, so pods become ready one by one
  secondMs: number; // how many real milliseconds one simulated second lasts (progress deadlines)
  observeMs?: number; // how long the controller takes to see a change (observedGeneration lags until then)
};

const REVISION = 'deployment.kubernetes.io/revision';
const MAX_FAILURE_STEPS = 12;
const HISTORY = 'deployment.kubernetes.io/revision-history';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

type Spec = {
  replicas?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: Template;
};

// A small deployment controller: enough of kube-controller-manager for rollouts, rollbacks and the
// failures people meet at 3 a.m. It reacts to changes in the store, as the real one reacts to watches.
export class DeploymentController {
  readonly #store: ObjectStore;
  #options: ControllerOptions;
  readonly #failures: { pattern: RegExp; mode: FailureMode }[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #progressStarted = new Map<string, number>(); // deployment uid → when its current rollout began
  readonly #deadlineChecks = new Set<string>(); // deployments with a progress-deadline check scheduled
  // Deployments whose template changed since their status was last written: a new rollout starts with
  // Progressing=True (ReplicaSetUpdated), whatever the previous rollout ended with.
  readonly #newRollouts = new Set<string>();
  #onFailure: ((step: FailureStep) => void) | undefined;
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

  onFailureStep(listener: ((step: FailureStep) => void) | undefined): void {
    this.#onFailure = listener;
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
    this.later(this.#options.observeMs ?? 2, () => this.reconcile(namespace, name));
  }

  reconcile(namespace: string, name: string): void {
    const deployment = this.#store.get('Deployment', namespace, name);
    if (!deployment) return this.#deleteOwned(namespace, name);
    const spec = deployment.spec as Spec;
    const template = spec.template ?? {};
    const owned = this.#owned('ReplicaSet', deployment);
    let current = owned.find((rs) => rs.metadata.labels?.[HASH] === templateHash(template));
    if (!spec.paused) {
      current = this.#replicaSetFor(deployment, template, owned, current);
      this.#stampRevision(namespace, name, current);
      this.#rollOut(deployment, current, spec.replicas ?? 1);
      this.#pruneHistory(deployment, current);
    }
    this.#updateDeploymentStatus(namespace, name, current);
  }

  // The ReplicaSet that runs the template, under the newest revision: a new one, or one brought back.
  #replicaSetFor(
    deployment: KubeObject,
    template: Template,
    owned: KubeObject[],
    current: KubeObject | undefined,
  ): KubeObject {
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    if (!current) {
      current = this.#createReplicaSet(deployment, template, maxRevision + 1);
      this.#startRollout(deployment);
    } else if (Number(current.metadata.annotations?.[REVISION]) !== maxRevision) {
      current = this.#reviveReplicaSet(deployment, current, maxRevision + 1);
      this.#startRollout(deployment);
    }
    return current;
  }

  #startRollout(deployment: KubeObject): void {
    this.#progressStarted.set(deployment.metadata.uid, Date.now());
    this.#newRollouts.add(deployment.metadata.uid);
  }

  // Rolling back to an old template reuses its ReplicaSet under the next revision number, and
  // remembers the numbers it had (deployment.kubernetes.io/revision-history), as the real one does.
  #reviveReplicaSet(deployment: KubeObject, rs: KubeObject, revision: number): KubeObject {
    const previous = rs.metadata.annotations?.[REVISION];
    const history = [rs.metadata.annotations?.[HISTORY], previous].filter(Boolean).join(',');
    rs.metadata.annotations = {
      ...rs.metadata.annotations,
      [REVISION]: String(revision),
      ...(history ? { [HISTORY]: history } : {}),
      ...copyCause(deployment),
    };
    return this.#store.update(rs);
  }

  // RollingUpdate with maxSurge 25% and maxUnavailable 0, as most services run: new pods come in
  // waves no larger than the surge, and old pods go only as new ones become ready.
  #rollOut(deployment: KubeObject, current: KubeObject, desired: number): void {
    const olds = this.#owned('ReplicaSet', deployment).filter((rs) => rs.metadata.uid !== current.metadata.uid);
    const oldReplicas = sumReplicas(olds);
    const surge = Math.max(1, Math.ceil(desired * 0.25));
    const currentReplicas = replicasOf(current);
    const newReplicas =
      oldReplicas === 0 ? desired : Math.min(desired, Math.max(currentReplicas, desired + surge - oldReplicas));
    this.#scale(current, newReplicas);
    this.#scaleDownOld(olds, Math.max(0, desired - this.#readyPods(current).length));
    // A scale-up of the new set that was held back by old pods can proceed now they are gone.
    const remainingOld = sumReplicas(olds.map((rs) => this.#fresh(rs)));
    if (remainingOld < oldReplicas)
      this.#scale(this.#fresh(current)!, Math.min(desired, desired + surge - remainingOld));
  }

  // Old ReplicaSets keep only as many pods as the new one still lacks ready ones.
  #scaleDownOld(olds: KubeObject[], budget: number): void {
    for (const old of olds) {
      const keep = Math.min(budget, replicasOf(old));
      budget -= keep;
      this.#scale(old, keep);
    }
  }

  #fresh(rs: KubeObject): KubeObject | undefined {
    return this.#store.get('ReplicaSet', rs.metadata.namespace, rs.metadata.name);
  }

  // Keeps at most revisionHistoryLimit old ReplicaSets (scaled to 0), oldest removed first.
  #pruneHistory(deployment: KubeObject, current: KubeObject): void {
    const limit = Number((deployment.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit ?? 10);
    const old = this.#owned('ReplicaSet', deployment)
      .filter(
        (rs) => rs.metadata.uid !== current.metadata.uid && replicasOf(rs) === 0 && this.#owned('Pod', rs).length === 0,
      )
      .sort((a, b) => revisionOf(b) - revisionOf(a));
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
    const from = Number((rs.spec as Spec).replicas);
    if (from !== replicas) {
      rs.spec = { ...rs.spec, replicas };
      rs = this.#store.update(rs);
      const event = scalingEvent(rs, from, replicas);
      if (event) this.#store.create(event);
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
    const failure = containers.map((container) => this.failureOf(container.image)).find((mode) => mode !== undefined);
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
      status: podStatus(containers, { mode: failure, ready: false, step: 0 }),
    });
    if (failure) {
      this.later(this.#options.podReadyMs, () => this.#failStep(pod, failure, containers, 1));
      return;
    }
    this.later(this.#readyDelay(), () => this.#becomeReady(pod, containers));
  }

  #becomeReady(pod: KubeObject, containers: Container[]): void {
    const current = this.#store.get('Pod', pod.metadata.namespace, pod.metadata.name);
    if (!current) return;
    this.#store.update({ ...current, status: podStatus(containers, { mode: undefined, ready: true, step: 0 }) });
    this.#reconcileOwnerOf(pod);
  }

  // One attempt of the kubelet (or the scheduler) for a failing pod: its status moves on, a Warning
  // event is written, and the next attempt is due (a bounded number, so a forgotten pod stops).
  #failStep(pod: KubeObject, mode: FailureMode, containers: Container[], step: number): void {
    const current = this.#store.get('Pod', pod.metadata.namespace, pod.metadata.name);
    if (!current) return;
    this.#store.update({ ...current, status: podStatus(containers, { mode, ready: false, step }) });
    const event = failureEvent(pod, { mode, ready: false, step }, containers);
    if (event) this.#store.create(event);
    this.#onFailure?.({ pod: pod.metadata.name, namespace: pod.metadata.namespace, mode, step, at: Date.now() });
    this.#reconcileOwnerOf(pod);
    if (mode === 'RestartOnce') this.later(this.#readyDelay(), () => this.#becomeReady(pod, containers));
    else if (keepsFailing(mode) && step < MAX_FAILURE_STEPS)
      this.later(this.#options.podReadyMs, () => this.#failStep(pod, mode, containers, step + 1));
  }

  #reconcileOwnerOf(pod: KubeObject): void {
    const replicaSet = pod.metadata.ownerReferences?.[0]?.name ?? '';
    const deploymentName = this.#store.get('ReplicaSet', pod.metadata.namespace, replicaSet)?.metadata
      .ownerReferences?.[0]?.name;
    if (deploymentName) this.reconcile(pod.metadata.namespace, deploymentName);
  }

  // The failing-tag mode an image runs in, if any (the pod-log route writes its lines by it too).
  failureOf(image: string): FailureMode | undefined {
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
    const freshRollout = this.#newRollouts.delete(deployment.metadata.uid);
    const stillTimedOut =
      !freshRollout && previousProgressing(deployment.status)?.reason === 'ProgressDeadlineExceeded';
    const timedOut = stillTimedOut || Date.now() - started > deadlineMs;
    const progressing = progressingCondition(complete, timedOut, current?.metadata.name);
    if (!complete && progressing.reason !== 'ProgressDeadlineExceeded')
      this.#checkDeadlineLater(deployment, deadlineMs - (Date.now() - started) + 5);
    const generation = deployment.metadata.generation ?? 1;
    const counts = { generation, desired, pods: pods.length, updated: updated.length, ready };
    const status = deploymentStatus(counts, progressing);
    if (JSON.stringify(stripTimes(deployment.status)) === JSON.stringify(status)) return;
    this.#store.update({ ...deployment, status: withTimes(status) });
  }

  // One progress-deadline check per deployment at a time: it reconciles again once the deadline passes.
  #checkDeadlineLater(deployment: KubeObject, dueInMs: number): void {
    const { uid, namespace, name } = deployment.metadata;
    if (this.#deadlineChecks.has(uid)) return;
    this.#deadlineChecks.add(uid);
    this.later(dueInMs, () => {
      this.#deadlineChecks.delete(uid);
      this.reconcile(namespace, name);
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

function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

function replicasOf(rs: KubeObject | undefined): number {
  return Number((rs?.spec as Spec | undefined)?.replicas ?? 0);
}

function sumReplicas(sets: (KubeObject | undefined)[]): number {
  return sets.reduce((sum, rs) => sum + replicasOf(rs), 0);
}
