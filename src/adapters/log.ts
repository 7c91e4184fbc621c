import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

// What follows one Slack request through the bot, the queue and the worker: the correlation id
// and, for metrics, the name of the interaction being handled. receivedAt (performance.now()) is when
// the request arrived: Slack's 3-second clock for its answer starts there.
export type RequestContext = { correlationId: string; label?: string; jobId?: string; receivedAt?: number };

const context = new AsyncLocalStorage<RequestContext>();

export function withContext<T>(value: RequestContext, run: () => T): T {
  return context.run(value, run);
}

export function currentContext(): RequestContext | undefined {
  return context.getStore();
}

// Secrets are removed in one pass over every log line: by key for the fields we know hold them,
// and by pattern for anything that looks like a Slack token, a bearer header, a URL password or a
// response_url, wherever it ends up (an error message, a URL, a nested object).
const SECRET_KEYS = new Set([
  'token',
  'bottoken',
  'apptoken',
  'signingsecret',
  'authorization',
  'x-slack-signature',
  'password',
  'slack_bot_token',
  'slack_app_token',
  'slack_signing_secret',
  'responseurl',
  'response_url',
]);
const SECRET_PATTERNS: [RegExp, string][] = [
  [/xox[abposre]-[A-Za-z0-9-]+/g, 'xox?-[REDACTED]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[REDACTED]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[REDACTED]'],
  [/(\/\/[^:/@\s]+:)[^@/\s]+@/g, '$1[REDACTED]@'],
  [/(hooks\.slack\.com\/(?:commands|actions)\/)\S+/g, '$1[REDACTED]'],
];
// Cheap pre-check: most log strings contain none of these and skip the regular expressions.
const MAYBE_SECRET = /xox|xapp|bearer|@|hooks\.slack/i;

export function scrubSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  return SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  // Object.entries of a Date is empty: logged as {} (every audit line's `at`) before this.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Error)
    return scrubDeep({ ...value, type: value.name, message: value.message, stack: value.stack }, depth + 1);
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    out[key] = SECRET_KEYS.has(key.toLowerCase()) && item !== undefined ? '[REDACTED]' : scrubDeep(item, depth + 1);
  return out;
}

export type LogOptions = { level: string; destination?: DestinationStream; name?: string };

export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      name: options.name ?? 'ops-bot',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => scrubDeep(object) as Record<string, unknown> },
      hooks: {
        // Objects are scrubbed by the formatter above; this covers the message strings.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<
            typeof method
          >;
          return method.apply(this, scrubbed);
        },
      },
      mixin: () => {
        const store = context.getStore();
        return store ? { correlationId: store.correlationId, ...(store.jobId ? { jobId: store.jobId } : {}) } : {};
      },
    },
    options.destination,
  );
}
