import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { stripTypeScriptTypes } from 'node:module';
import { readBody, send } from '../slack/http-io.ts';
import { clockRoute } from '../slack/clock-control.ts';
import { scenesRoute } from '../slack/scenes-control.ts';
import type { SlackSimulator } from '../slack/simulator.ts';
import { closeNow, listenOn } from '../loopback.ts';
import { ACTION_NAMES, runAction, type ActionName } from './actions.ts';
import { ModalTracker } from './modals.ts';
import { consoleState } from './snapshot.ts';

const HERE = new URL('.', import.meta.url);
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
// How often the page's state is compared with what was last pushed: catches changes no Web API
// call announces (a person's message or reaction sent through `npm run slack`).
const SWEEP_MS = 250;

// The sandbox console: a Slack-like page over the running simulator. The page's scripts are the
// TypeScript files in web/, served with their types stripped (no build step); the state reaches it
// as Server-Sent Events, and what a person does comes back as JSON posts run through SlackDriver.
export class ConsoleServer {
  readonly #sim: SlackSimulator;
  readonly modals = new ModalTracker();
  readonly #clients = new Set<ServerResponse>();
  #server: Server | undefined;
  #url = '';
  #lastPushed = '';
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(sim: SlackSimulator) {
    this.#sim = sim;
  }

  get url(): string {
    return this.#url;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#unsubscribe = this.#sim.onCall((call) => {
      this.modals.observe(call);
      this.#push();
    });
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#url = `${await listenOn(this.#server, port, host)}/`;
    this.#timer = setInterval(() => this.#push(), SWEEP_MS);
    this.#timer.unref();
    return this.#url;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    if (this.#server) await closeNow(this.#server);
    this.#server = undefined;
  }

  #state(): string {
    return JSON.stringify(consoleState(this.#sim, this.modals));
  }

  #push(): void {
    if (this.#clients.size === 0) return;
    const state = this.#state();
    if (state === this.#lastPushed) return;
    this.#lastPushed = state;
    for (const client of this.#clients) client.write(`event: state\ndata: ${state}\n\n`);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://console').pathname;
    try {
      if (req.method === 'GET' && path === '/events') return this.#subscribe(req, res);
      if (req.method === 'GET' && path === '/state') return send(res, 200, JSON.parse(this.#state()) as object);
      if (req.method === 'GET' && path === '/favicon.ico') return void res.writeHead(204).end();
      if (req.method === 'GET' && STATIC[path]) return await serveFile(res, STATIC[path]);
      if (req.method === 'GET' && /^\/web\/[a-z-]+\.ts$/.test(path)) return await serveScript(res, path.slice(5));
      if (path === '/clock' || path.startsWith('/scenes')) return await this.#sandbox(req, path, res);
      const action = path.replace(/^\/api\//, '') as ActionName;
      if (req.method === 'POST' && path.startsWith('/api/') && ACTION_NAMES.includes(action))
        return await this.#act(action, await readBody(req), res);
      send(res, 404, { ok: false, error: `nothing at ${req.method} ${path}` });
    } catch (error) {
      send(res, 500, { ok: false, error: String(error) });
    }
  }

  // The sandbox's own controls, the simulator's /_sim/clock and /_sim/scenes answered here for the page.
  async #sandbox(req: IncomingMessage, path: string, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (path === '/clock') clockRoute(this.#sim.clock, method, body, res);
    else scenesRoute(this.#sim.scenes, method, path.split('/')[2] || undefined, res);
    this.#lastPushed = '';
    this.#push();
  }

  #subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`event: state\ndata: ${this.#state()}\n\n`);
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
  }

  async #act(action: ActionName, body: string, res: ServerResponse): Promise<void> {
    const driver = this.#sim.driver;
    if (!driver) return send(res, 409, { ok: false, error: 'no bot is connected to the simulator yet' });
    try {
      const input: unknown = body ? JSON.parse(body) : {};
      const answer = await runAction(action, input, { driver, modals: this.modals });
      send(res, 200, answer);
    } catch (error) {
      // What went wrong is the person's to read (no such message, a bad form, the bot's refusal); a
      // TypeError is fetch's own: the bot did not answer at all.
      const status = error instanceof TypeError ? 502 : 400;
      send(res, status, { ok: false, error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.#lastPushed = '';
      this.#push();
    }
  }
}

async function serveFile(res: ServerResponse, asset: { file: string; type: string }): Promise<void> {
  const body = await readFile(new URL(asset.file, HERE));
  res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' });
  res.end(body);
}

const stripped = new Map<string, string>();

// A web/*.ts file as JavaScript: Node's own type stripping (types become spaces, so lines and
// columns match the source in the browser's devtools). Only erasable syntax is used there.
async function serveScript(res: ServerResponse, name: string): Promise<void> {
  let code = stripped.get(name);
  if (code === undefined) {
    code = stripTypeScriptTypes(await readFile(new URL(`web/${name}`, HERE), 'utf8'), { mode: 'strip' });
    stripped.set(name, code);
  }
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
  res.end(code);
}
