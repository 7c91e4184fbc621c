import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody, send } from '../slack/http-io.ts';
import { DeploymentController, type FailureMode } from './controller.ts';
import { PatchError, jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { forbidden, notFound, status } from './status.ts';
import { ObjectStore, matchesLabels, type KubeObject, type WatchEvent } from './store.ts';
import { closeNow, listenOn } from '../loopback.ts';

type Resource = { kind: string; apiVersion: string; group: string };
const RESOURCES: Record<string, Resource> = {
  deployments: { kind: 'Deployment', apiVersion: 'apps/v1', group: 'apps' },
  replicasets: { kind: 'ReplicaSet', apiVersion: 'apps/v1', group: 'apps' },
  pods: { kind: 'Pod', apiVersion: 'v1', group: '' },
  services: { kind: 'Service', apiVersion: 'v1', group: '' },
  events: { kind: 'Event', apiVersion: 'v1', group: '' },
};
const PATH = /^\/(?:apis\/apps\/v1|api\/v1)\/namespaces\/([a-z0-9-]+)\/([a-z]+)(?:\/([a-z0-9.-]+))?$/;
const PATCH_TYPES = [
  'application/strategic-merge-patch+json',
  'application/merge-patch+json',
  'application/json-patch+json',
];

export type RecordedKubeRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
  status: number;
};
export type KubeSimulatorOptions = {
  token?: string;
  podReadyMs?: number;
  podReadyJitter?: number;
  secondMs?: number;
  bookmarkMs?: number;
};
export type DeploymentSeed = {
  namespace: string;
  name: string;
  container: string;
  image: string;
  replicas?: number;
  labels?: Record<string, string>;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
};

// A Kubernetes API server on loopback for the resources ops-bot uses, with a deployment controller
// behind it. The real @kubernetes/client-node reaches it through an ordinary kubeconfig.
export class KubeSimulator {
  readonly store = new ObjectStore();
  readonly controller: DeploymentController;
  readonly requests: RecordedKubeRequest[] = [];
  readonly token: string;
  readonly #denied: { verb: string; resource: string; namespace?: string; name?: string }[] = [];
  readonly #watches = new Set<ServerResponse>();
  readonly #bookmarkMs: number;
  #server: Server | undefined;
  #url = '';

  constructor(options: KubeSimulatorOptions = {}) {
    this.token = options.token ?? 'sandbox-kube-token';
    this.#bookmarkMs = options.bookmarkMs ?? 5_000;
    this.controller = new DeploymentController(this.store, {
      podReadyMs: options.podReadyMs ?? 20,
      podReadyJitter: options.podReadyJitter ?? 0,
      secondMs: options.secondMs ?? 10,
    });
  }

  get url(): string {
    return this.#url;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#url = await listenOn(this.#server, port, host);
    return this.#url;
  }

  async stop(): Promise<void> {
    this.controller.stop();
    this.dropWatches();
    const server = this.#server;
    this.#server = undefined;
    await closeNow(server);
  }

  // --- for tests and the sandbox ---
  addDeployment(seed: DeploymentSeed): KubeObject {
    const labels = seed.labels ?? { app: seed.name };
    const deployment = this.store.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: seed.name, namespace: seed.namespace, generation: 1, labels, annotations: {} },
      spec: {
        replicas: seed.replicas ?? 3,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: seed.container, image: seed.image }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        revisionHistoryLimit: seed.revisionHistoryLimit ?? 10,
        progressDeadlineSeconds: seed.progressDeadlineSeconds ?? 600,
      },
      status: {},
    });
    this.controller.deploymentChanged(seed.namespace, seed.name);
    return deployment;
  }

  addService(namespace: string, name: string, selector: Record<string, string>): KubeObject {
    return this.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: {} },
      spec: { selector, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], type: 'ClusterIP' },
    });
  }

  deployment(namespace: string, name: string): KubeObject | undefined {
    return this.store.get('Deployment', namespace, name);
  }

  failImage(pattern: string | RegExp, mode: FailureMode): void {
    this.controller.failImage(pattern, mode);
  }

  forbid(verb: string, resource: string, namespace?: string, name?: string): void {
    this.#denied.push({ verb, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) });
  }

  // Ends every open watch, as an API server restart or a load balancer timeout would.
  dropWatches(): void {
    for (const response of this.#watches) response.destroy();
    this.#watches.clear();
  }

  // --- the API ---
  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    const record = (code: number, body?: unknown) =>
      this.requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        ...(body !== undefined ? { body } : {}),
        status: code,
      });
    const reply = (code: number, body: unknown, parsed?: unknown) => {
      record(code, parsed);
      send(res, code, body);
    };
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    const match = PATH.exec(url.pathname);
    const resource = match ? RESOURCES[match[2]!] : undefined;
    if (!match || !resource)
      return reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, plural, name] = match as unknown as [string, string, string, string | undefined];
    const verb =
      req.method === 'GET'
        ? name
          ? 'get'
          : query.watch === 'true'
            ? 'watch'
            : 'list'
        : ({ POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[req.method ?? ''] ?? 'unknown');
    if (
      this.#denied.some(
        (rule) =>
          rule.verb === verb &&
          rule.resource === plural &&
          (!rule.namespace || rule.namespace === namespace) &&
          (!rule.name || rule.name === name),
      )
    ) {
      return reply(403, forbidden(verb, plural, resource.group, namespace, name));
    }
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return reply(400, status(400, 'BadRequest', 'the request body is not valid JSON'));
    }
    if (verb === 'watch') {
      record(200);
      return this.#watch(res, resource, namespace, query);
    }
    if (verb === 'list') {
      const items = this.#select(resource.kind, namespace, query);
      return reply(200, {
        apiVersion: resource.apiVersion,
        kind: `${resource.kind}List`,
        metadata: { resourceVersion: String(this.store.revision) },
        items,
      });
    }
    const existing = name ? this.store.get(resource.kind, namespace, name) : undefined;
    if (verb === 'get')
      return existing ? reply(200, existing) : reply(404, notFound(plural, resource.group, name ?? ''));
    if (verb === 'delete') {
      const gone = name ? this.store.delete(resource.kind, namespace, name) : undefined;
      if (!gone) return reply(404, notFound(plural, resource.group, name ?? ''));
      if (resource.kind === 'Deployment') this.controller.deploymentChanged(namespace, name!);
      return reply(200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: resource.group, kind: plural },
      });
    }
    if (verb === 'create') {
      const object = body as KubeObject;
      const objectName = object?.metadata?.name;
      if (!objectName)
        return reply(422, status(422, 'Invalid', `${resource.kind} is invalid: metadata.name: Required value`), body);
      if (this.store.get(resource.kind, namespace, objectName))
        return reply(
          409,
          status(409, 'AlreadyExists', `${plural}.${resource.group} "${objectName}" already exists`),
          body,
        );
      const problem = validate(resource.kind, object);
      if (problem)
        return reply(
          422,
          status(422, 'Invalid', `${resource.kind}.${resource.group} "${objectName}" is invalid: ${problem}`),
          body,
        );
      if (query.dryRun === 'All') return reply(201, object, body);
      const created = this.store.create({
        ...object,
        apiVersion: resource.apiVersion,
        kind: resource.kind,
        metadata: { ...object.metadata, namespace, generation: 1 },
        status: {},
      });
      if (resource.kind === 'Deployment') this.controller.deploymentChanged(namespace, objectName);
      return reply(201, created, body);
    }
    if (verb === 'patch') {
      if (!existing) return reply(404, notFound(plural, resource.group, name ?? ''), body);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!PATCH_TYPES.includes(contentType))
        return reply(
          415,
          status(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
          ),
          body,
        );
      let patched: KubeObject;
      try {
        patched = (
          contentType === 'application/json-patch+json'
            ? jsonPatch(existing, body as never)
            : contentType === 'application/merge-patch+json'
              ? mergePatch(existing, body)
              : strategicMergePatch(existing, body)
        ) as KubeObject;
      } catch (error) {
        if (error instanceof PatchError)
          return reply(422, status(422, 'Invalid', `the patch could not be applied: ${error.message}`), body);
        throw error;
      }
      const wanted = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
      if (wanted && wanted !== existing.metadata.resourceVersion)
        return reply(
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${plural}.${resource.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
          body,
        );
      patched.metadata = {
        ...patched.metadata,
        name: existing.metadata.name,
        namespace,
        uid: existing.metadata.uid,
        resourceVersion: existing.metadata.resourceVersion,
      };
      const problem = validate(resource.kind, patched);
      if (problem)
        return reply(
          422,
          status(422, 'Invalid', `${resource.kind}.${resource.group} "${name}" is invalid: ${problem}`),
          body,
        );
      if (JSON.stringify(patched.spec) !== JSON.stringify(existing.spec) && existing.metadata.generation !== undefined)
        patched.metadata.generation = existing.metadata.generation + 1;
      if (query.dryRun === 'All') return reply(200, patched, body);
      const stored = this.store.update(patched);
      if (resource.kind === 'Deployment') this.controller.deploymentChanged(namespace, name!);
      return reply(200, stored, body);
    }
    return reply(405, status(405, 'MethodNotAllowed', `${req.method} is not supported here`));
  }

  #select(kind: string, namespace: string, query: Record<string, string>): KubeObject[] {
    return this.store
      .list(kind, namespace)
      .filter(
        (object) =>
          matchesLabels(object.metadata.labels, query.labelSelector) && matchesFields(object, query.fieldSelector),
      );
  }

  #watch(res: ServerResponse, resource: Resource, namespace: string, query: Record<string, string>): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Node holds headers back until the first write; a watch may stay quiet for a long time.
    res.flushHeaders();
    this.#watches.add(res);
    const matches = (object: KubeObject) =>
      object.kind === resource.kind &&
      object.metadata.namespace === namespace &&
      matchesLabels(object.metadata.labels, query.labelSelector) &&
      matchesFields(object, query.fieldSelector);
    const write = (event: { type: string; object: unknown }) => res.write(`${JSON.stringify(event)}\n`);
    const from = query.resourceVersion ? Number(query.resourceVersion) : undefined;
    if (from !== undefined && from > 0) {
      const missed = this.store.since(from);
      if (!missed) {
        write({
          type: 'ERROR',
          object: status(410, 'Expired', `too old resource version: ${from} (${this.store.revision})`),
        });
        res.end();
        this.#watches.delete(res);
        return;
      }
      for (const event of missed) if (matches(event.object)) write(event);
    } else {
      for (const object of this.#select(resource.kind, namespace, query)) write({ type: 'ADDED', object });
    }
    const unsubscribe = this.store.subscribe((event: WatchEvent) => {
      if (matches(event.object)) write({ type: event.type, object: event.object });
    });
    const bookmarks =
      query.allowWatchBookmarks === 'true'
        ? setInterval(
            () =>
              write({
                type: 'BOOKMARK',
                object: {
                  kind: resource.kind,
                  apiVersion: resource.apiVersion,
                  metadata: { resourceVersion: String(this.store.revision) },
                },
              }),
            this.#bookmarkMs,
          )
        : undefined;
    const timeout = query.timeoutSeconds ? setTimeout(() => res.end(), Number(query.timeoutSeconds) * 1000) : undefined;
    res.on('close', () => {
      unsubscribe();
      clearInterval(bookmarks);
      clearTimeout(timeout);
      this.#watches.delete(res);
    });
  }
}

function matchesFields(object: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [path, value] = term.split('=');
    const actual = path!
      .split('.')
      .reduce<unknown>(
        (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
        object,
      );
    return String(actual) === value;
  });
}

function validate(kind: string, object: KubeObject): string | undefined {
  if (kind !== 'Deployment') return undefined;
  const spec = object.spec as
    { replicas?: unknown; template?: { spec?: { containers?: { name?: unknown; image?: unknown }[] } } } | undefined;
  const containers = spec?.template?.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return 'spec.template.spec.containers: Required value';
  for (const [index, container] of containers.entries()) {
    if (typeof container.name !== 'string' || container.name === '')
      return `spec.template.spec.containers[${index}].name: Required value`;
    if (typeof container.image !== 'string' || container.image === '')
      return `spec.template.spec.containers[${index}].image: Required value`;
  }
  if (spec?.replicas !== undefined && (typeof spec.replicas !== 'number' || spec.replicas < 0))
    return 'spec.replicas: Invalid value: must be greater than or equal to 0';
  return undefined;
}
