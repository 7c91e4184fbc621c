import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { definedOnly } from '../../adapters/defined-only.ts';
import { closeNow, listenOn } from '../loopback.ts';
import type { RbacAuthorizer } from './authorize.ts';
import { readBody, send } from '../slack/http-io.ts';
import { DeploymentController, type FailureMode } from './controller.ts';
import {
  isDenied,
  listOf,
  targetOf,
  verbOf,
  type ApiCall,
  type DenyRule,
  type Reply,
  type Resource,
  type Verb,
} from './routes.ts';
import { discoveryAt } from './discovery.ts';
import { podLog } from './pod-logs.ts';
import { forbidden, notFound, status } from './status.ts';
import { ObjectStore, matchesQuery, type KubeObject, type WatchEvent } from './store.ts';
import { asTable, wantsTable } from './tables.ts';
import { makeTlsMaterial, type TlsMaterial } from './tls.ts';
import { createObject, patchObject } from './writes.ts';

export type RecordedKubeRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
  status: number;
  // When the request had fully arrived (ms since the epoch): benchmarks time the bot's reactions by it.
  at: number;
};
export type KubeSimulatorOptions = {
  token?: string;
  podReadyMs?: number;
  podReadyJitter?: number;
  secondMs?: number;
  bookmarkMs?: number;
  // Every answer waits this long first: a slow or overloaded API server.
  answerDelayMs?: number;
  // Serve over TLS with a CA made at start (kubectl sends a bearer token only over TLS); tests may stay on http.
  tls?: boolean;
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

const LOG_PATH = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods\/([a-z0-9.-]+)\/log$/;
const POD: Resource = { kind: 'Pod', apiVersion: 'v1', group: '' };

// A Kubernetes API server on loopback for the resources ops-bot uses, with a deployment controller
// behind it. The real @kubernetes/client-node reaches it through an ordinary kubeconfig.
export class KubeSimulator {
  readonly store = new ObjectStore();
  readonly controller: DeploymentController;
  readonly requests: RecordedKubeRequest[] = [];
  readonly token: string;
  readonly #denied: DenyRule[] = [];
  // Opt-in RBAC (authorize.ts): when set, whatever its Roles do not allow is refused with a 403.
  authorizer: RbacAuthorizer | undefined;
  readonly #watches = new Set<ServerResponse>();
  readonly #bookmarkMs: number;
  #answerDelayMs: number;
  readonly #tls: boolean;
  #tlsMaterial: TlsMaterial | undefined;
  #server: Server | undefined;
  #url = '';

  constructor(options: KubeSimulatorOptions = {}) {
    this.token = options.token ?? 'sandbox-kube-token';
    this.#bookmarkMs = options.bookmarkMs ?? 5_000;
    this.#answerDelayMs = options.answerDelayMs ?? 0;
    this.#tls = options.tls ?? false;
    this.controller = new DeploymentController(this.store, {
      podReadyMs: options.podReadyMs ?? 20,
      podReadyJitter: options.podReadyJitter ?? 0,
      secondMs: options.secondMs ?? 10,
    });
  }

  get url(): string {
    return this.#url;
  }

  // The CA (PEM) a client must trust when the simulator serves TLS.
  get ca(): string | undefined {
    return this.#tlsMaterial?.ca;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    if (this.#tls) this.#tlsMaterial ??= await makeTlsMaterial();
    // An https.Server is an http.Server with TLS underneath: listenOn and closeNow treat both alike.
    this.#server = this.#tlsMaterial
      ? createTlsServer({ cert: this.#tlsMaterial.cert, key: this.#tlsMaterial.key }, handler)
      : createServer(handler);
    const url = await listenOn(this.#server, port, host);
    this.#url = this.#tlsMaterial ? url.replace(/^http:/, 'https:') : url;
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

  // A slow API server from now on (0: prompt again). Watches already open are not slowed.
  slowDown(answerDelayMs: number): void {
    this.#answerDelayMs = answerDelayMs;
  }

  failImage(pattern: string | RegExp, mode: FailureMode): void {
    this.controller.failImage(pattern, mode);
  }

  forbid(verb: string, resource: string, namespace?: string, name?: string): void {
    this.#denied.push({ verb, resource, namespace, name });
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
    // unref: a slow answer still pending when the simulator stops must not keep the process alive.
    if (this.#answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#answerDelayMs).unref());
    const at = Date.now();
    const contentType = req.headers['content-type'];
    const record = (code: number, body?: unknown) =>
      this.requests.push(
        definedOnly({ method: req.method ?? 'GET', path: url.pathname, query, contentType, body, status: code, at }),
      );
    const table = wantsTable(req.headers.accept);
    const reply: Reply = (code, body, recorded) => {
      record(code, recorded);
      send(res, code, table && code === 200 ? asTable(body, query.includeObject) : body);
    };
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    const discovery = req.method === 'GET' ? discoveryAt(url.pathname, url.host) : undefined;
    if (discovery) return reply(200, discovery);
    const logOf = LOG_PATH.exec(url.pathname);
    if (logOf && req.method === 'GET') return this.#log(logOf[1]!, logOf[2]!, query, res, record);
    const target = targetOf(url.pathname);
    if (!target) return reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const verb = verbOf(req.method, target.name, query);
    if (isDenied(this.#denied, verb, target))
      return reply(403, forbidden(verb, target.plural, target.resource.group, target.namespace, target.name));
    const refusal = this.authorizer?.refusal(verb, target, query);
    if (refusal) return reply(403, refusal);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return reply(400, status(400, 'BadRequest', 'the request body is not valid JSON'));
    }
    if (verb === 'watch') {
      record(200);
      return this.#watch(res, target.resource, target.namespace, query, table);
    }
    const call: ApiCall = { ...target, query, contentType, body, reply };
    this.#answer(verb, call, req.method);
  }

  // GET …/pods/<name>/log: authorized as `get` on the `pods/log` subresource, answered as text/plain.
  #log(
    namespace: string,
    name: string,
    query: Record<string, string>,
    res: ServerResponse,
    record: (code: number) => void,
  ): void {
    const target = { resource: POD, plural: 'pods/log', namespace, name };
    const refuse = (body: unknown, code: number) => {
      record(code);
      send(res, code, body);
    };
    if (isDenied(this.#denied, 'get', target)) return refuse(forbidden('get', 'pods/log', '', namespace, name), 403);
    const refusal = this.authorizer?.refusal('get', target, query);
    if (refusal) return refuse(refusal, 403);
    const pod = this.store.get('Pod', namespace, name);
    if (!pod) return refuse(notFound('pods', '', name), 404);
    const container = pod.spec?.containers as { image: string }[] | undefined;
    const mode = this.controller.failureOf(container?.[0]?.image ?? '');
    const numbers = (key: string) => (query[key] !== undefined ? { [key]: Number(query[key]) } : {});
    const answer = podLog(
      pod,
      mode,
      { ...numbers('sinceSeconds'), ...numbers('tailLines'), ...numbers('limitBytes'), container: query.container },
      Date.now(),
    );
    if (answer.code !== 200) return refuse(answer.body, answer.code);
    record(200);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(answer.text);
  }

  #answer(verb: Verb, call: ApiCall, method: string | undefined): void {
    const { resource, namespace, name, reply } = call;
    if (verb === 'list')
      return reply(200, listOf(resource, this.#select(resource.kind, namespace, call.query), this.store.revision));
    const existing = name ? this.store.get(resource.kind, namespace, name) : undefined;
    if (verb === 'get')
      return existing ? reply(200, existing) : reply(404, notFound(call.plural, resource.group, name ?? ''));
    if (verb === 'delete') return this.#delete(call);
    if (verb === 'create') return createObject(this, call);
    if (verb === 'patch') return patchObject(this, call, existing);
    return reply(405, status(405, 'MethodNotAllowed', `${method} is not supported here`));
  }

  #delete({ resource, plural, namespace, name, reply }: ApiCall): void {
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

  #select(kind: string, namespace: string, query: Record<string, string>): KubeObject[] {
    return this.store.list(kind, namespace).filter((object) => matchesQuery(object, query));
  }

  #watch(
    res: ServerResponse,
    resource: Resource,
    namespace: string,
    query: Record<string, string>,
    table: boolean,
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Node holds headers back until the first write; a watch may stay quiet for a long time.
    res.flushHeaders();
    this.#watches.add(res);
    const matches = (object: KubeObject) =>
      object.kind === resource.kind && object.metadata.namespace === namespace && matchesQuery(object, query);
    // `kubectl get -w` asks for Table rows in the events too; ERROR and BOOKMARK objects stay as they are.
    const row = (event: { type: string; object: unknown }) =>
      table && ['ADDED', 'MODIFIED', 'DELETED'].includes(event.type)
        ? { ...event, object: asTable(event.object, query.includeObject) }
        : event;
    const write = (event: { type: string; object: unknown }) => res.write(`${JSON.stringify(row(event))}\n`);
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
    const bookmarks = query.allowWatchBookmarks === 'true' ? this.#bookmarks(resource, write) : undefined;
    const timeoutMs = Number(query.timeoutSeconds) * 1000;
    const timeout = query.timeoutSeconds ? setTimeout(() => res.end(), timeoutMs) : undefined;
    res.on('close', () => {
      unsubscribe();
      clearInterval(bookmarks);
      clearTimeout(timeout);
      this.#watches.delete(res);
    });
  }

  // Tells a quiet watch the current resourceVersion, so it can resume from there.
  #bookmarks(resource: Resource, write: (event: { type: string; object: unknown }) => void): NodeJS.Timeout {
    const bookmark = () => ({
      kind: resource.kind,
      apiVersion: resource.apiVersion,
      metadata: { resourceVersion: String(this.store.revision) },
    });
    return setInterval(() => write({ type: 'BOOKMARK', object: bookmark() }), this.#bookmarkMs);
  }
}
