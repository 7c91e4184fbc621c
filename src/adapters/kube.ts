import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type ApiException,
  type RequestContext,
} from '@kubernetes/client-node';
import { z } from 'zod';
import type { PodHealth } from '../core/pod-health.ts';
import type { DeploymentState, PodTemplate } from '../core/rollout.ts';
import type { LookedEvent, LookedPod, OwnedSet } from '../core/lookups.ts';
import { listEvents, listPods, listSetOwners, readPodLog, type LogQuery } from './kube-lookups.ts';
import { labelSelector, readPodHealth } from './kube-pods.ts';

// Everything ops-bot asks of Kubernetes, in our words. Answers are parsed (zod) into the small shapes
// the rest of the code uses; API errors become KubeError with a kind the caller can act on.
export type KubeErrorKind =
  'not_found' | 'forbidden' | 'unauthorized' | 'invalid' | 'conflict' | 'unreachable' | 'other';

export class KubeError extends Error {
  override readonly name = 'KubeError';
  readonly kind: KubeErrorKind;
  readonly status: number | undefined;

  constructor(kind: KubeErrorKind, message: string, status?: number) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

const REVISION = 'deployment.kubernetes.io/revision';

const metadata = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().default(''),
  generation: z.number().optional(),
  resourceVersion: z.string().default('0'),
  annotations: z.record(z.string(), z.string()).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  creationTimestamp: z.union([z.string(), z.date()]).nullish(),
  ownerReferences: z.array(z.object({ uid: z.string(), kind: z.string(), name: z.string() })).nullish(),
});
const container = z.object({ name: z.string(), image: z.string().default('') });
const template = z
  .object({
    metadata: z
      .object({
        labels: z.record(z.string(), z.string()).nullish(),
        annotations: z.record(z.string(), z.string()).nullish(),
      })
      .passthrough()
      .nullish(),
    spec: z.object({ containers: z.array(container) }).passthrough(),
  })
  .passthrough();
const condition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
});
const deploymentSchema = z.object({
  metadata,
  spec: z
    .object({
      replicas: z.number().nullish(),
      paused: z.boolean().nullish(),
      selector: z.object({ matchLabels: z.record(z.string(), z.string()).nullish() }),
      template,
    })
    .passthrough(),
  status: z
    .object({
      observedGeneration: z.number().nullish(),
      replicas: z.number().nullish(),
      updatedReplicas: z.number().nullish(),
      readyReplicas: z.number().nullish(),
      availableReplicas: z.number().nullish(),
      conditions: z.array(condition).nullish(),
    })
    .passthrough()
    .nullish(),
});
const replicaSetSchema = z.object({
  metadata,
  spec: z.object({ replicas: z.number().nullish(), template }).passthrough(),
  status: z.object({ readyReplicas: z.number().nullish() }).passthrough().nullish(),
});
const serviceSchema = z.object({
  metadata,
  spec: z.object({ selector: z.record(z.string(), z.string()).nullish() }).passthrough(),
});
export type ServiceState = { name: string; selector: Record<string, string>; resourceVersion: string };
export type NewDeployment = {
  name: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  replicas: number;
  template: PodTemplate;
  annotations?: Record<string, string>;
};

export type ReplicaSetState = {
  name: string;
  // Its identity: both stay when a rollback reuses it, while its revision is renumbered.
  uid: string;
  hash: string | undefined;
  revision: number;
  history: number[];
  replicas: number;
  ready: number;
  template: z.output<typeof template>;
  containers: { name: string; image: string }[];
  annotations: Record<string, string>;
  created: Date | undefined;
};
// The ReplicaSet that runs a Deployment's current template: the release being rolled out.
export type ReleaseSet = { name: string; revision: number; podLabels: Record<string, string> };

function toDeployment(raw: unknown): DeploymentState {
  const parsed = deploymentSchema.parse(raw);
  const annotations = parsed.metadata.annotations ?? {};
  return {
    namespace: parsed.metadata.namespace ?? '',
    name: parsed.metadata.name,
    uid: parsed.metadata.uid,
    generation: parsed.metadata.generation ?? 0,
    observedGeneration: parsed.status?.observedGeneration ?? 0,
    desired: parsed.spec.replicas ?? 1,
    total: parsed.status?.replicas ?? 0,
    updated: parsed.status?.updatedReplicas ?? 0,
    ready: parsed.status?.readyReplicas ?? 0,
    available: parsed.status?.availableReplicas ?? 0,
    paused: parsed.spec.paused ?? false,
    conditions: (parsed.status?.conditions ?? []).map((item) => ({
      type: item.type,
      status: item.status,
      reason: item.reason ?? undefined,
      message: item.message ?? undefined,
    })),
    containers: parsed.spec.template.spec.containers.map((item) => ({ name: item.name, image: item.image })),
    annotations,
    selector: parsed.spec.selector.matchLabels ?? {},
    resourceVersion: parsed.metadata.resourceVersion,
    revision: annotations[REVISION] ? Number(annotations[REVISION]) : undefined,
    template: parsed.spec.template as PodTemplate,
    created: parsed.metadata.creationTimestamp ? new Date(parsed.metadata.creationTimestamp) : undefined,
  };
}

// Of a Deployment's ReplicaSets, the one its current revision runs (see releaseSet).
export function releaseSetOf(deployment: DeploymentState, sets: ReplicaSetState[]): ReleaseSet | undefined {
  const release = sets.find((rs) => rs.revision === deployment.revision);
  if (!release?.hash) return undefined;
  return {
    name: release.name,
    revision: release.revision,
    podLabels: { ...deployment.selector, 'pod-template-hash': release.hash },
  };
}

function toKubeError(error: unknown, what: string): KubeError {
  if (error instanceof KubeError) return error;
  const code = (error as Partial<ApiException<unknown>>)?.code;
  if (typeof code === 'number') {
    let message = '';
    try {
      const body = (error as ApiException<unknown>).body;
      message =
        (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string }))
          ?.message ?? '';
    } catch {
      message = '';
    }
    const kind: KubeErrorKind =
      code === 404
        ? 'not_found'
        : code === 403
          ? 'forbidden'
          : code === 401
            ? 'unauthorized'
            : code === 409
              ? 'conflict'
              : code === 422 || code === 400
                ? 'invalid'
                : 'other';
    return new KubeError(kind, message || `${what}: HTTP ${code}`, code);
  }
  return new KubeError('unreachable', `${what}: ${(error as Error)?.message ?? String(error)}`);
}

export class KubeCluster {
  readonly context: string;
  readonly #config: KubeConfig;
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;

  constructor(config: KubeConfig, context: string) {
    this.context = context;
    this.#config = config;
    this.#apps = config.makeApiClient(AppsV1Api);
    this.#core = config.makeApiClient(CoreV1Api);
  }

  async readDeployment(namespace: string, name: string): Promise<DeploymentState | undefined> {
    try {
      return toDeployment(await this.#apps.readNamespacedDeployment({ name, namespace }));
    } catch (error) {
      const failure = toKubeError(error, `read deployment ${namespace}/${name}`);
      if (failure.kind === 'not_found') return undefined;
      throw failure;
    }
  }

  // Strategic merge: containers merge by name, so only the named container's image changes. The
  // change-cause annotation on the Deployment is copied by the controller to the new ReplicaSet,
  // which is where `kubectl rollout history` and /deploy history read it.
  async setImage(
    namespace: string,
    name: string,
    containerName: string,
    image: string,
    changeCause: string,
    options: { dryRun: boolean },
  ): Promise<DeploymentState> {
    const body = {
      metadata: { annotations: { 'kubernetes.io/change-cause': changeCause } },
      spec: { template: { spec: { containers: [{ name: containerName, image }] } } },
    };
    try {
      const result = await this.#apps.patchNamespacedDeployment(
        { name, namespace, body, ...(options.dryRun ? { dryRun: 'All' } : {}), fieldManager: 'ops-bot' },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      return toDeployment(result);
    } catch (error) {
      throw toKubeError(error, `patch deployment ${namespace}/${name}`);
    }
  }

  // Replaces the pod template (and the Deployment's annotations) with a JSON Patch, as
  // `kubectl rollout undo` does; `test` guards against a change made since the caller read it.
  async replaceTemplate(
    namespace: string,
    name: string,
    expectedResourceVersion: string,
    templateValue: unknown,
    annotations: Record<string, string>,
    options: { dryRun?: boolean } = {},
  ): Promise<DeploymentState> {
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: expectedResourceVersion },
      { op: 'replace', path: '/spec/template', value: templateValue },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ];
    try {
      return toDeployment(
        await this.#apps.patchNamespacedDeployment(
          { name, namespace, body, fieldManager: 'ops-bot', ...(options.dryRun ? { dryRun: 'All' } : {}) },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        ),
      );
    } catch (error) {
      throw toKubeError(error, `roll back deployment ${namespace}/${name}`);
    }
  }

  async replicaSets(deployment: DeploymentState): Promise<ReplicaSetState[]> {
    const selector = labelSelector(deployment.selector);
    try {
      const list = await this.#apps.listNamespacedReplicaSet({
        namespace: deployment.namespace,
        labelSelector: selector,
      });
      return list.items
        .map((item) => replicaSetSchema.parse(item))
        .filter((rs) => rs.metadata.ownerReferences?.some((owner) => owner.uid === deployment.uid))
        .map((rs) => ({
          name: rs.metadata.name,
          uid: rs.metadata.uid,
          hash:
            rs.metadata.labels?.['pod-template-hash'] ??
            rs.spec.template.metadata?.labels?.['pod-template-hash'] ??
            undefined,
          revision: Number(rs.metadata.annotations?.[REVISION] ?? 0),
          history: (rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'] ?? '')
            .split(',')
            .filter(Boolean)
            .map(Number),
          replicas: rs.spec.replicas ?? 0,
          ready: rs.status?.readyReplicas ?? 0,
          template: rs.spec.template,
          containers: rs.spec.template.spec.containers.map((item) => ({ name: item.name, image: item.image })),
          annotations: rs.metadata.annotations ?? {},
          created: rs.metadata.creationTimestamp ? new Date(rs.metadata.creationTimestamp) : undefined,
        }))
        .sort((a, b) => b.revision - a.revision);
    } catch (error) {
      throw toKubeError(error, `list replica sets of ${deployment.namespace}/${deployment.name}`);
    }
  }

  async readService(namespace: string, name: string): Promise<ServiceState | undefined> {
    try {
      const service = serviceSchema.parse(await this.#core.readNamespacedService({ name, namespace }));
      return {
        name: service.metadata.name,
        selector: service.spec.selector ?? {},
        resourceVersion: service.metadata.resourceVersion,
      };
    } catch (error) {
      const failure = toKubeError(error, `read service ${namespace}/${name}`);
      if (failure.kind === 'not_found') return undefined;
      throw failure;
    }
  }

  // The blue-green switch: one JSON Patch that replaces the selector only if the Service is still the
  // version we read (test on resourceVersion), so two switches can never interleave.
  async switchService(
    namespace: string,
    name: string,
    expectedResourceVersion: string,
    selector: Record<string, string>,
  ): Promise<ServiceState> {
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: expectedResourceVersion },
      { op: 'replace', path: '/spec/selector', value: selector },
    ];
    try {
      const service = serviceSchema.parse(
        await this.#core.patchNamespacedService(
          { name, namespace, body, fieldManager: 'ops-bot' },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        ),
      );
      return {
        name: service.metadata.name,
        selector: service.spec.selector ?? {},
        resourceVersion: service.metadata.resourceVersion,
      };
    } catch (error) {
      throw toKubeError(error, `switch service ${namespace}/${name}`);
    }
  }

  async createDeployment(namespace: string, deployment: NewDeployment): Promise<DeploymentState> {
    const body = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: deployment.name,
        namespace,
        labels: deployment.labels,
        annotations: deployment.annotations ?? {},
      },
      spec: {
        replicas: deployment.replicas,
        selector: { matchLabels: deployment.selector },
        template: deployment.template,
      },
    };
    try {
      return toDeployment(
        await this.#apps.createNamespacedDeployment({ namespace, body: body as never, fieldManager: 'ops-bot' }),
      );
    } catch (error) {
      throw toKubeError(error, `create deployment ${namespace}/${deployment.name}`);
    }
  }

  async scaleDeployment(
    namespace: string,
    name: string,
    replicas: number,
    image?: { container: string; image: string; changeCause: string },
  ): Promise<DeploymentState> {
    const body = {
      ...(image ? { metadata: { annotations: { 'kubernetes.io/change-cause': image.changeCause } } } : {}),
      spec: {
        replicas,
        ...(image ? { template: { spec: { containers: [{ name: image.container, image: image.image }] } } } : {}),
      },
    };
    try {
      return toDeployment(
        await this.#apps.patchNamespacedDeployment(
          { name, namespace, body, fieldManager: 'ops-bot' },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        ),
      );
    } catch (error) {
      throw toKubeError(error, `scale deployment ${namespace}/${name}`);
    }
  }

  async deleteDeployment(namespace: string, name: string): Promise<void> {
    try {
      await this.#apps.deleteNamespacedDeployment({ name, namespace });
    } catch (error) {
      const failure = toKubeError(error, `delete deployment ${namespace}/${name}`);
      if (failure.kind !== 'not_found') throw failure;
    }
  }

  // The newest ReplicaSet (the one whose revision the Deployment carries), or none while the
  // controller has not yet created it.
  async releaseSet(deployment: DeploymentState): Promise<ReleaseSet | undefined> {
    if (deployment.revision === undefined) return undefined;
    return releaseSetOf(deployment, await this.replicaSets(deployment));
  }

  async podHealth(namespace: string, labels: Record<string, string>): Promise<PodHealth[]> {
    try {
      return await readPodHealth(this.#core, namespace, labels);
    } catch (error) {
      throw toKubeError(error, `read pods in ${namespace}`);
    }
  }

  // The look-ups (/ops pods, events, logs): a namespace's pods, ReplicaSet owners and events, one pod's log.
  async lookPods(namespace: string): Promise<{ pods: LookedPod[]; sets: OwnedSet[] }> {
    try {
      const [pods, sets] = await Promise.all([listPods(this.#core, namespace), listSetOwners(this.#apps, namespace)]);
      return { pods, sets };
    } catch (error) {
      throw toKubeError(error, `list pods in ${namespace}`);
    }
  }

  async lookEvents(namespace: string): Promise<LookedEvent[]> {
    try {
      return await listEvents(this.#core, namespace);
    } catch (error) {
      throw toKubeError(error, `list events in ${namespace}`);
    }
  }

  async podLog(namespace: string, pod: string, query: LogQuery): Promise<string> {
    try {
      return await readPodLog(this.#core, namespace, pod, query);
    } catch (error) {
      throw toKubeError(error, `read the log of ${namespace}/${pod}`);
    }
  }

  // Streams changes to one Deployment from `resourceVersion`; `onDone` fires when the stream ends for
  // any reason (client-node closes idle watches after 30 s), and the caller re-watches.
  async watchDeployment(
    deployment: { namespace: string; name: string },
    resourceVersion: string,
    onChange: (state: DeploymentState) => void,
    onDone: (error: unknown) => void,
  ): Promise<AbortController> {
    const watch = new Watch(this.#config);
    return watch.watch(
      `/apis/apps/v1/namespaces/${deployment.namespace}/deployments`,
      { fieldSelector: `metadata.name=${deployment.name}`, resourceVersion, allowWatchBookmarks: true },
      (type, object) => {
        if (type === 'ADDED' || type === 'MODIFIED') {
          const parsed = deploymentSchema.safeParse(object);
          if (parsed.success) onChange(toDeployment(object));
        }
        if (type === 'ERROR') onDone(new KubeError('other', `watch error: ${JSON.stringify(object)}`));
      },
      onDone,
    );
  }
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

// How long one context's connections are reused before the dispatcher is built afresh from the
// kubeconfig (so rotated certificate files are picked up); the old one finishes its requests first.
const DISPATCHER_RENEW_MS = 5 * 60_000;

// client-node 2 builds a new undici Agent for every API call when the kubeconfig has TLS settings (a
// CA, a client certificate, insecure-skip-tls-verify: every real cluster), so each call opened a new
// connection — a TLS handshake per call against a real API server, several per pre-flight inside
// Slack's 3 s. Handing every call of a context the same dispatcher lets them reuse connections.
export class PooledKubeConfig extends KubeConfig {
  #shared: { dispatcher: Dispatcher; until: number } | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return; // no TLS settings: fetch's global dispatcher pools already
    const now = Date.now();
    if (this.#shared && this.#shared.until > now) {
      context.setDispatcher(this.#shared.dispatcher);
      return;
    }
    const old = this.#shared?.dispatcher;
    this.#shared = { dispatcher: fresh, until: now + DISPATCHER_RENEW_MS };
    void old?.close().catch(() => undefined);
  }
}

// One client per kubeconfig context (a catalog environment names its context).
export class KubeClusters {
  readonly #base: KubeConfig;
  readonly #clusters = new Map<string, KubeCluster>();

  constructor(base?: KubeConfig) {
    this.#base = base ?? new KubeConfig();
    if (!base) this.#base.loadFromDefault();
  }

  contexts(): string[] {
    return this.#base.getContexts().map((context) => context.name);
  }

  cluster(context: string): KubeCluster {
    const existing = this.#clusters.get(context);
    if (existing) return existing;
    if (!this.#base.getContextObject(context))
      throw new KubeError(
        'other',
        `the kubeconfig has no context "${context}" (it has: ${this.contexts().join(', ') || 'none'})`,
      );
    const config = new PooledKubeConfig();
    config.loadFromOptions({
      clusters: this.#base.clusters,
      users: this.#base.users,
      contexts: this.#base.contexts,
      currentContext: context,
    });
    const cluster = new KubeCluster(config, context);
    this.#clusters.set(context, cluster);
    return cluster;
  }
}
