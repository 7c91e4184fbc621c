import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chatMethods } from './methods/chat.ts';
import { SlackApiError, type Method, type MethodArgs, type MethodResult } from './methods/common.ts';
import { conversationMethods } from './methods/conversations.ts';
import { miscMethods } from './methods/misc.ts';
import { FaultPlan, type Fault } from './faults.ts';
import { SANDBOX_WORKSPACE } from './fixtures.ts';
import { Workspace, type WorkspaceSeed } from './workspace.ts';
import { SlackDriver } from './driver.ts';
import { controlRoutes } from './control.ts';
import { SocketModeServer } from './socket-mode.ts';
import { readBody, send } from './http-io.ts';
import { closeNow, listenOn } from '../loopback.ts';
import type { OffsetClock } from '../../core/clock.ts';
import type { RecordedCall, SimulatorSurface } from './surface.ts';
import type { ScenePlayer } from '../scenes/types.ts';

const METHODS: Record<string, Method> = { ...miscMethods, ...chatMethods, ...conversationMethods };

export type SimulatorOptions = {
  token?: string;
  appToken?: string;
  seed?: WorkspaceSeed;
  clock?: () => number;
  // The bot's offset clock, which the control surface (POST /_sim/clock) sets; Slack's own clock stays real.
  sandboxClock?: OffsetClock;
};

// A Slack Web API that runs on loopback: the real @slack/web-api client talks to it through
// SLACK_API_URL, every call is recorded, and failures can be scripted per method.
export class SlackSimulator implements SimulatorSurface {
  readonly workspace: Workspace;
  readonly calls: RecordedCall[] = [];
  readonly faults = new FaultPlan();
  readonly token: string;
  readonly appToken: string;
  readonly clock: OffsetClock | undefined;
  jobState: ((jobId: string) => Promise<string | undefined>) | undefined;
  driver: SlackDriver | undefined;
  scenes: ScenePlayer | undefined;
  #socketMode: SocketModeServer | undefined;
  #server: Server | undefined;
  #url = '';
  #seq = 0;
  readonly #listeners = new Set<(call: RecordedCall) => void>();

  constructor(options: SimulatorOptions = {}) {
    this.token = options.token ?? 'xoxb-sandbox-token';
    this.appToken = options.appToken ?? 'xapp-1-sandbox-token';
    this.clock = options.sandboxClock;
    this.workspace = new Workspace(options.seed ?? SANDBOX_WORKSPACE, options.clock);
  }

  get url(): string {
    return this.#url;
  }

  get apiUrl(): string {
    return `${this.#url}/api/`;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#url = await listenOn(this.#server, port, host);
    this.workspace.baseUrl = this.#url;
    this.#socketMode = new SocketModeServer(this.#server, this.workspace.appId);
    return this.#url;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#socketMode?.close();
    await closeNow(server);
  }

  // Connect the driver: where the bot listens and the secret it checks signatures with.
  // A second call (another bot replica) returns a second driver; the response_urls of both stay valid.
  connectBot(botUrl: string, signingSecret: string): SlackDriver {
    this.driver = new SlackDriver(this, { kind: 'http', botUrl, secret: signingSecret }, this.driver?.responseTargets);
    return this.driver;
  }

  // For a bot in Socket Mode: deliveries go as envelopes over its WebSocket.
  connectSocketModeBot(): SlackDriver {
    this.driver = new SlackDriver(this, { kind: 'socket' });
    return this.driver;
  }

  get socketMode(): SocketModeServer {
    if (!this.#socketMode) throw new Error('the simulator is not started');
    return this.#socketMode;
  }

  fail(method: string, fault: Fault, times = 1): void {
    this.faults.add(method, fault, times);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  callsSince(seq: number): RecordedCall[] {
    return this.calls.filter((call) => call.seq > seq);
  }

  get lastSeq(): number {
    return this.#seq;
  }

  onCall(listener: (call: RecordedCall) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  record(
    method: string,
    args: MethodArgs,
    ok: boolean,
    status: number,
    error?: string,
    result?: MethodResult,
  ): RecordedCall {
    this.#seq += 1;
    const call: RecordedCall = {
      seq: this.#seq,
      at: Date.now(),
      method,
      args,
      ok,
      status,
      ...(error ? { error } : {}),
      ...(result ? { result } : {}),
    };
    this.calls.push(call);
    for (const listener of this.#listeners) listener(call);
    return call;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    const body = await readBody(req);
    try {
      if (url.pathname.startsWith('/api/') && req.method === 'POST')
        return await this.#webApi(url.pathname.slice(5), req, body, res);
      if (url.pathname.startsWith('/_sim/')) return await controlRoutes(this, this.driver, req, url, body, res);
      send(res, 404, { ok: false, error: 'unknown_path' });
    } catch (error) {
      send(res, 500, { ok: false, error: 'simulator_error', detail: String(error) });
    }
  }

  async #webApi(method: string, req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const args = parseArgs(req.headers['content-type'] ?? '', body);
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(args.token ?? '');
    delete args.token;
    const fault = this.faults.take(method);
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && 'rateLimited' in fault) {
      this.record(method, args, false, 429, 'ratelimited');
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(fault.rateLimited) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (fault && 'status' in fault) {
      this.record(method, args, false, fault.status, `http_${fault.status}`);
      send(res, fault.status, { ok: false, error: 'internal_error' });
      return;
    }
    const answer = (result: MethodResult, error?: string) => {
      this.record(method, args, error === undefined, 200, error, error === undefined ? result : undefined);
      send(res, 200, error === undefined ? { ok: true, ...result } : { ok: false, error, ...result });
    };
    if (!token) return answer({}, 'not_authed');
    if (method === 'apps.connections.open') {
      return token === this.appToken
        ? answer({ url: this.socketMode.connectionUrl(this.#url) })
        : answer({}, 'invalid_auth');
    }
    if (token !== this.token) return answer({}, 'invalid_auth');
    if (fault && 'error' in fault) return answer({}, fault.error);
    const implementation = METHODS[method];
    if (!implementation) return answer({}, 'unknown_method');
    try {
      answer(implementation(args, this.workspace));
    } catch (error) {
      if (error instanceof SlackApiError) return answer(error.extra, error.code);
      throw error;
    }
  }
}

function parseArgs(contentType: string, body: string): MethodArgs {
  if (contentType.startsWith('application/json')) return body ? (JSON.parse(body) as MethodArgs) : {};
  return Object.fromEntries(new URLSearchParams(body));
}
