import { z } from 'zod';
import type { PagingAction } from '../core/paging.ts';

export const DEFAULT_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export type PagingEvent = {
  routingKey: string;
  action: PagingAction;
  dedupKey: string;
  // A trigger's payload; acknowledge and resolve carry none.
  payload?: { summary: string; source: string; severity: 'critical' | 'error'; customDetails?: Record<string, string> };
  links?: { href: string; text: string }[];
};

// Why an event was not accepted. `retryable`: 429, 5xx and the network (PagerDuty asks for retries with
// backoff); a 400 means the event itself is wrong and sending it again cannot help.
export class PagingError extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'PagingError';
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

const accepted = z.object({ status: z.literal('success'), message: z.string().optional(), dedup_key: z.string() });
const refused = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

const TIMEOUT_MS = 10_000;

// One POST to the Events API v2 enqueue endpoint (PAGERDUTY_EVENTS_URL overrides it for the sandbox).
export class PagerDutyEvents {
  readonly url: string;
  readonly #environment: Readonly<Record<string, string | undefined>>;

  constructor(
    url: string = DEFAULT_EVENTS_URL,
    environment: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    this.url = url;
    this.#environment = environment;
  }

  // The catalog names routing keys as env:NAME; the key itself lives only in the worker's environment.
  routingKey(reference: string): { key: string } | { missing: string } {
    const name = reference.replace(/^env:/, '');
    const key = this.#environment[name];
    return key ? { key } : { missing: name };
  }

  async send(event: PagingEvent): Promise<{ dedupKey: string; message: string }> {
    const response = await this.#post(event);
    const text = await response.text();
    const json = parseJson(text);
    if (response.status === 202) {
      const parsed = accepted.safeParse(json);
      if (!parsed.success)
        throw new PagingError(`PagerDuty answered 202 with an unexpected body: ${text.slice(0, 200)}`, {
          retryable: true,
          status: 202,
        });
      return { dedupKey: parsed.data.dedup_key, message: parsed.data.message ?? 'Event processed' };
    }
    const body = refused.safeParse(json).data;
    const detail = [body?.message, ...(body?.errors ?? [])].filter(Boolean).join('; ') || text.slice(0, 200);
    const retryable = response.status === 429 || response.status >= 500;
    const what = response.status === 429 ? 'rate limited' : `HTTP ${response.status}`;
    throw new PagingError(`PagerDuty ${what}${detail ? `: ${detail}` : ''}`, {
      retryable,
      status: response.status,
    });
  }

  async #post(event: PagingEvent): Promise<Response> {
    const body = {
      routing_key: event.routingKey,
      event_action: event.action,
      dedup_key: event.dedupKey,
      ...(event.payload
        ? {
            payload: {
              summary: event.payload.summary.slice(0, 1024),
              source: event.payload.source,
              severity: event.payload.severity,
              ...(event.payload.customDetails ? { custom_details: event.payload.customDetails } : {}),
            },
            client: 'ops-bot',
          }
        : {}),
      ...(event.links && event.links.length > 0 ? { links: event.links } : {}),
    };
    try {
      return await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new PagingError(`could not reach PagerDuty (${reason || 'network error'})`, {
        retryable: true,
        cause: error,
      });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
