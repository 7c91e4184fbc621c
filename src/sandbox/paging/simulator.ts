import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody, send } from '../slack/http-io.ts';
import { closeNow, listenOn } from '../loopback.ts';
import { validateEvent, type EnqueueEvent } from './events.ts';

export type PagingCall = {
  body: unknown;
  status: number;
  // The event as accepted (202 only).
  event?: EnqueueEvent;
};

export type PagedIncident = {
  dedupKey: string;
  routingKey: string;
  state: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  // Every accepted event for this alert, in order.
  actions: EnqueueEvent['action'][];
};

type Fault = { status: number; message: string; errors: string[]; times: number };

// PagerDuty's Events API v2 on loopback: POST /v2/enqueue answers 202 {status, message, dedup_key},
// 400 "invalid event" with its errors, or what a fault says (429, 5xx, 400). It keeps one alert per
// routing key and dedup key, as PagerDuty does: acknowledge and resolve apply to an open alert with
// the same routing key and are dropped otherwise; a trigger after a resolve opens a new alert.
export class PagingSimulator {
  readonly calls: PagingCall[] = [];
  readonly #alerts = new Map<string, PagedIncident>();
  readonly #faults: Fault[] = [];
  #server: Server | undefined;
  #url = '';

  // The enqueue endpoint, for PAGERDUTY_EVENTS_URL.
  get url(): string {
    return `${this.#url}/v2/enqueue`;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#url = await listenOn(this.#server, port, host);
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await closeNow(server);
  }

  // The next `times` events are answered with this status (429: rate limited; 5xx; 400 with errors).
  fail(status: number, options: { times?: number; message?: string; errors?: string[] } = {}): void {
    this.#faults.push({
      status,
      message: options.message ?? (status === 429 ? 'Too Many Requests' : `simulated ${status}`),
      errors: options.errors ?? [],
      times: options.times ?? 1,
    });
  }

  // The alert for this dedup key (the newest, if it was resolved and triggered again).
  incident(dedupKey: string): PagedIncident | undefined {
    return [...this.#alerts.values()].filter((alert) => alert.dedupKey === dedupKey).at(-1);
  }

  // Accepted events (202), optionally of one action and dedup key.
  accepted(action?: EnqueueEvent['action'], dedupKey?: string): EnqueueEvent[] {
    return this.calls
      .flatMap((call) => (call.event ? [call.event] : []))
      .filter((event) => (action ? event.action === action : true))
      .filter((event) => (dedupKey ? event.dedupKey === dedupKey : true));
  }

  reset(): void {
    this.calls.length = 0;
    this.#alerts.clear();
    this.#faults.length = 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const reply = (status: number, answer: unknown, event?: EnqueueEvent) => {
      this.calls.push({ body, status, ...(event ? { event } : {}) });
      send(res, status, answer);
    };
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v2/enqueue')
      return reply(404, { status: 'not found', message: `no route for ${req.method} ${req.url}` });
    const fault = this.#takeFault();
    if (fault) {
      const status = fault.status === 400 ? 'invalid event' : 'error';
      return reply(fault.status, { status, message: fault.message, errors: fault.errors });
    }
    const checked = validateEvent(body);
    if ('errors' in checked)
      return reply(400, { status: 'invalid event', message: 'Event object is invalid', errors: checked.errors });
    const event = { ...checked.event, dedupKey: checked.event.dedupKey ?? randomUUID().replace(/-/g, '') };
    this.#apply(event);
    reply(202, { status: 'success', message: 'Event processed', dedup_key: event.dedupKey }, event);
  }

  #apply(event: EnqueueEvent & { dedupKey: string }): void {
    const key = `${event.routingKey}/${event.dedupKey}`;
    const open = this.#alerts.get(key);
    if (event.action === 'trigger') {
      if (open && open.state !== 'resolved') open.actions.push('trigger');
      else {
        // A resolved alert stays listed under its own key; a new one takes the live slot.
        if (open) {
          this.#alerts.delete(key);
          this.#alerts.set(`${key}#${randomUUID()}`, open);
        }
        this.#alerts.set(key, {
          dedupKey: event.dedupKey,
          routingKey: event.routingKey,
          state: 'triggered',
          summary: event.payload?.summary ?? '',
          severity: event.payload?.severity ?? '',
          actions: ['trigger'],
        });
      }
      return;
    }
    // Dropped, as PagerDuty drops them, when no open alert has this routing key and dedup key.
    if (!open || open.state === 'resolved') return;
    open.actions.push(event.action);
    open.state = event.action === 'acknowledge' ? 'acknowledged' : 'resolved';
  }

  #takeFault(): Fault | undefined {
    const fault = this.#faults[0];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.#faults.shift();
    return fault;
  }
}
