import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

// What follows one Slack request through the bot, the queue and the worker: the correlation id
// and, for metrics, the name of the interaction being handled.
export type RequestContext = { correlationId: string; label?: string; jobId?: string };

const context = new AsyncLocalStorage<RequestContext>();

export function withContext<T>(value: RequestContext, run: () => T): T {
  return context.run(value, run);
}

export function currentContext(): RequestContext | undefined {
  return context.getStore();
}

// Secrets are removed twice: by path for the fields we know, and by pattern for anything that
// looks like a Slack token or a bearer header wherever it ends up (an error message, a URL).
const REDACT_PATHS = [
  'token', '*.token', 'botToken', '*.botToken', 'appToken', '*.appToken', 'signingSecret', '*.signingSecret',
  'headers.authorization', '*.headers.authorization', 'req.headers.authorization', 'headers["x-slack-signature"]', '*.headers["x-slack-signature"]',
  'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', '*.SLACK_BOT_TOKEN', '*.SLACK_APP_TOKEN', '*.SLACK_SIGNING_SECRET',
  'responseUrl', '*.responseUrl', 'response_url', '*.response_url', 'password', '*.password',
];
const SECRET_PATTERNS: [RegExp, string][] = [
  [/xox[abposre]-[A-Za-z0-9-]+/g, 'xox?-[REDACTED]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[REDACTED]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[REDACTED]'],
  [/(\/\/[^:/@\s]+:)[^@/\s]+@/g, '$1[REDACTED]@'],
  [/(hooks\.slack\.com\/(?:commands|actions)\/)\S+/g, '$1[REDACTED]'],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrubSecrets(value.message), stack: value.stack ? scrubSecrets(value.stack) : undefined, ...scrubDeep({ ...value }, depth + 1) as object };
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, depth + 1)]));
}

export type LogOptions = { level: string; destination?: DestinationStream; name?: string };

export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      name: options.name ?? 'ops-bot',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { log: (object) => scrubDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => scrubDeep(arg)) as Parameters<typeof method>;
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
