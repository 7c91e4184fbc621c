import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, send } from '../../src/sandbox/slack/http-io.ts';

export type ControlRoute = (body: Record<string, unknown>, url: URL) => unknown;

// A small JSON control surface for a simulator running in its own process: the benchmark asks it
// for faults and reads results over loopback HTTP, so none of the simulator's work is in the bench's
// process (or the bot's). Routes answer POST and GET alike; the body is JSON or empty.
export async function startControl(routes: Record<string, ControlRoute>): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes[url.pathname.split('/')[1] ?? ''];
      if (!route) return send(res, 404, { ok: false, error: 'unknown_route' });
      try {
        send(res, 200, route(text ? (JSON.parse(text) as Record<string, unknown>) : {}, url) ?? { ok: true });
      } catch (error) {
        send(res, 400, { ok: false, error: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// The line bench/lib/child-server.ts waits for.
export function ready(info: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ready: true, ...info })}\n`);
}
