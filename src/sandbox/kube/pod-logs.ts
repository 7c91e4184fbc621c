import type { FailureMode } from './pod-status.ts';
import { status, type StatusBody } from './status.ts';
import type { KubeObject } from './store.ts';

// What `GET …/pods/<name>/log` answers in the simulator: plausible lines for the image, and for the
// failing-tag modes the lines a person would look for (a crash's stack trace, a readiness endpoint's
// 503s). A healthy pod pretends to have served for an hour, a line every 6 s on a fixed grid, so two
// reads agree. Some lines carry a database URL with its password: the catalog's `redact` has work.

export type LogQuery = { container?: string; sinceSeconds?: number; tailLines?: number; limitBytes?: number };
export type LogAnswer = { code: 200; text: string } | { code: 400; body: StatusBody };
type Line = { at: number; text: string };

const TICK_MS = 6_000;
const RUNNING_FOR_MS = 3_600_000;
const PATHS = ['/api/cart', '/api/cart/items', '/api/orders', '/healthz/live', '/api/prices', '/metrics'];

type Spec = { containers?: { name: string; image: string }[] };
type Status = { containerStatuses?: { name: string; state?: { waiting?: { reason?: string } } }[] };

export function podLog(pod: KubeObject, mode: FailureMode | undefined, query: LogQuery, now: number): LogAnswer {
  const containers = (pod.spec as Spec | undefined)?.containers ?? [];
  const name = pod.metadata.name;
  if (!query.container && containers.length > 1)
    return badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
    );
  const container = containers.find((candidate) => candidate.name === (query.container ?? containers[0]?.name));
  if (!container) return badRequest(`container ${query.container ?? ''} is not valid for pod ${name}`);
  const waiting = waitingReason(pod, container.name);
  if (waiting) return badRequest(`container "${container.name}" in pod "${name}" is waiting to start: ${waiting}`);
  const lines = linesFor(container.image, mode, name, now);
  return { code: 200, text: select(lines, query, now) };
}

function badRequest(message: string): LogAnswer {
  return { code: 400, body: status(400, 'BadRequest', message) };
}

// Not started yet (or never): Kubernetes has no log and says why.
function waitingReason(pod: KubeObject, container: string): string | undefined {
  const found = (pod.status as Status | undefined)?.containerStatuses?.find((entry) => entry.name === container);
  if (!found) return 'ContainerCreating';
  const reason = found.state?.waiting?.reason;
  if (reason === 'ImagePullBackOff' || reason === 'ErrImagePull') return 'trying and failing to pull image';
  if (reason === 'ContainerCreating' || reason === 'CreateContainerConfigError') return reason;
  return undefined;
}

function select(lines: Line[], query: LogQuery, now: number): string {
  const since = query.sinceSeconds !== undefined ? now - query.sinceSeconds * 1000 : -Infinity;
  let kept = lines.filter((line) => line.at >= since).map((line) => line.text);
  if (query.tailLines !== undefined) kept = kept.slice(Math.max(0, kept.length - query.tailLines));
  const text = kept.map((line) => `${line}\n`).join('');
  return query.limitBytes !== undefined ? Buffer.from(text).subarray(0, query.limitBytes).toString('utf8') : text;
}

function serviceOf(image: string): { app: string; version: string } {
  const last = image.slice(image.lastIndexOf('/') + 1);
  const [app, version] = last.split(':');
  return { app: app ?? 'app', version: version ?? 'latest' };
}

const stamp = (at: number, level: string, text: string) => `${new Date(at).toISOString()} ${level.padEnd(5)} ${text}`;
const dbUrl = (app: string) => `postgres://${app}:s3cr3t-sandbox@${app}-db.internal:5432/${app}`;

function linesFor(image: string, mode: FailureMode | undefined, pod: string, now: number): Line[] {
  const { app, version } = serviceOf(image);
  if (mode === 'CrashLoopBackOff') return crash(app, version, now);
  if (mode === 'ContainerCannotRun') return [];
  const grid = Math.floor(now / TICK_MS) * TICK_MS;
  const start = grid - RUNNING_FOR_MS;
  const lines: Line[] = banner(app, version, start);
  for (let at = start + TICK_MS; at <= grid; at += TICK_MS) lines.push({ at, text: served(app, pod, at, mode) });
  return lines;
}

function banner(app: string, version: string, at: number): Line[] {
  return [
    { at, text: stamp(at, 'INFO', `starting ${app} ${version} (pid 1, node v24.11.0)`) },
    { at, text: stamp(at, 'INFO', `config: DATABASE_URL=${dbUrl(app)}`) },
    { at, text: stamp(at, 'INFO', 'listening on :8080') },
  ];
}

// One request line, chosen by the tick (and the pod, so replicas differ); now and then a reconnect.
function served(app: string, pod: string, at: number, mode: FailureMode | undefined): string {
  const tick = at / TICK_MS + pod.length;
  if (mode === 'NeverReady' && tick % 3 === 0)
    return stamp(at, 'WARN', `GET /healthz/ready 503 2ms — dependency "${app}-db" not reachable`);
  if (tick % 40 === 0) return stamp(at, 'INFO', `db: pool reconnected to ${dbUrl(app)}`);
  const path = PATHS[tick % PATHS.length]!;
  const code = tick % 17 === 0 ? 500 : tick % 11 === 0 ? 404 : 200;
  const level = code === 500 ? 'ERROR' : 'INFO';
  return stamp(at, level, `GET ${path} ${code} ${((tick * 7) % 90) + 1}ms`);
}

// The current attempt of a process that dies at start: what `kubectl logs` shows of a CrashLoopBackOff.
function crash(app: string, version: string, now: number): Line[] {
  const at = now - 1_000;
  return [
    { at, text: stamp(at, 'INFO', `starting ${app} ${version} (pid 1, node v24.11.0)`) },
    { at, text: stamp(at, 'INFO', `config: DATABASE_URL=${dbUrl(app)}`) },
    { at: at + 200, text: stamp(at + 200, 'ERROR', 'uncaught exception: Error: connect ECONNREFUSED 10.0.3.12:5432') },
    { at: at + 200, text: '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1637:16)' },
    { at: at + 200, text: `    at async Pool.connect (/app/node_modules/pg-pool/index.js:45:11)` },
    { at: at + 200, text: `    at async main (/app/dist/${app}/server.js:27:3)` },
    { at: at + 300, text: stamp(at + 300, 'FATAL', 'exiting with code 1') },
  ];
}
