import { z } from 'zod';
import { parseRedisUrl, RedisUrlError } from '../core/redis-url.ts';

// The environment contract of ARCHITECTURE.md, plus a few optional knobs (HOST, REDIS_PREFIX,
// WORKER_CONCURRENCY, SHUTDOWN_TIMEOUT_MS, JOB_LOCK_MS) that only have defaults.
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const urlWithScheme = (schemes: string[], what: string) =>
  z.string().refine(
    (text) => {
      try {
        return schemes.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a ${what} URL (${schemes.map((scheme) => `${scheme}//`).join(' or ')}…)` },
  );

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: "is required: the bot token (xoxb-…) from your Slack app's OAuth page" })
    .startsWith('xoxb-', { error: 'must be a bot token starting with xoxb-' }),
  SLACK_SIGNING_SECRET: z.string().min(1, { error: 'must not be empty' }).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .startsWith('xapp-', { error: 'must be an app-level token starting with xapp-' })
    .optional(),
  SLACK_API_URL: urlWithScheme(['http:', 'https:'], 'http(s)')
    .transform((text) => (text.endsWith('/') ? text : `${text}/`))
    .default('https://slack.com/api/'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be between 0 and 65535' })
    .max(65_535, { error: 'must be between 0 and 65535' })
    .default(3000),
  // One server, or a primary found through Sentinel (core/redis-url.ts, decision 0027).
  REDIS_URL: z
    .string()
    .superRefine((text, context) => {
      try {
        parseRedisUrl(text);
      } catch (error) {
        if (!(error instanceof RedisUrlError)) throw error;
        context.addIssue({ code: 'custom', message: error.message });
      }
    })
    .default('redis://127.0.0.1:6379'),
  // Sentinels with a password of their own (their requirepass); the primary's is in REDIS_URL.
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9{}_.-]{1,64}$/, { error: 'must be 1-64 letters, digits, {}, _, . or -' })
    .default('opsbot'),
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], 'PostgreSQL').default('postgres://localhost:5432/opsbot'),
  OPS_CATALOG: z.string().min(1).default('config/catalog.yml'),
  ROLE: z.enum(['all', 'bot', 'worker'], { error: 'must be all, bot or worker' }).default('all'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(25_000),
  // BullMQ's job lock; a job whose worker died is picked up by another within about twice this.
  JOB_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
  // How long start-up keeps retrying Slack's auth.test before it gives up with exit code 2.
  SLACK_STARTUP_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must not be negative' })
    .default(30_000),
  // PagerDuty's Events API v2 enqueue endpoint; the sandbox and tests point it at the paging simulator.
  PAGERDUTY_EVENTS_URL: urlWithScheme(['http:', 'https:'], 'http(s)').default(
    'https://events.pagerduty.com/v2/enqueue',
  ),
  // For managed Redis services that hide CONFIG: skip the maxmemory-policy check (decision 0024).
  REDIS_SKIP_EVICTION_CHECK: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((text) => text === 'true'),
});

export type Env = z.output<typeof envSchema>;

export class EnvError extends Error {
  override readonly name = 'EnvError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `ops-bot cannot start: the environment is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

// Checked on the raw values, not in a zod refinement: a refinement runs only once every field
// parsed, so a start without variables named SLACK_SIGNING_SECRET only on the next run.
function crossChecks(given: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const worker = given.ROLE === 'worker';
  if (!worker && given.SLACK_APP_TOKEN === undefined && given.SLACK_SIGNING_SECRET === undefined)
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)');
  if (given.REDIS_SENTINEL_PASSWORD !== undefined && !/^rediss?\+sentinel:/i.test(given.REDIS_URL ?? ''))
    problems.push('REDIS_SENTINEL_PASSWORD is set, but REDIS_URL is not a redis+sentinel:// URL');
  return problems;
}

// Empty strings count as unset: `FOO= npm start` should fall back to the default, not fail.
// Every problem is named in one message, so one run tells the operator everything to fix.
export function parseEnv(source: Record<string, string | undefined>): Env {
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(given);
  const problems = [
    ...(result.success ? [] : result.error.issues).map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const shown =
        given[variable] !== undefined && !/TOKEN|SECRET|PASSWORD|DATABASE_URL|REDIS_URL/.test(variable)
          ? ` (got "${given[variable]}")`
          : '';
      return `${variable} ${issue.message}${shown}`;
    }),
    ...crossChecks(given),
  ];
  if (result.success && problems.length === 0) return result.data;
  throw new EnvError(problems);
}
