import { IANAZone } from 'luxon';
import { cronProblem } from './backup-schedule.ts';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { NAME_PATTERN, SEVERITIES } from './grammar/values.ts';
import { parsePerson, type Person } from './people.ts';
import { ROLE_NAMES } from './roles.ts';

// The catalog contract is ../shared/design/catalog.reference.yml; this schema gives each of its keys
// the meaning the reference's comments give, and adds only optional keys. Objects are strict so that
// a misspelt key ("aproval") fails loudly instead of silently disabling a safety rule.

const DURATION_TEXT = /^\d{1,6}[smhd]$/;
const duration = z
  .string({ error: 'expected a duration such as 30s, 15m, 1h or 7d' })
  .regex(DURATION_TEXT, { error: 'expected a duration such as 30s, 15m, 1h or 7d' })
  .transform((text) => parseDuration(text)!);

const name = z
  .string()
  .regex(NAME_PATTERN, { error: 'expected a lowercase name: letters, digits and hyphens, starting with a letter' });

const person = z.string().transform((text, context): Person => {
  const parsed = parsePerson(text);
  if (parsed) return parsed;
  context.addIssue({
    code: 'custom',
    message: `expected a Slack user id (U…), a user-group handle (@handle) or "*", got "${text}"`,
  });
  return z.NEVER;
});
const people = z.array(person);

const timeZone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), { error: 'expected an IANA time zone such as Europe/Berlin or UTC' });
const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time of day as "HH:MM" (quote it in YAML)' });
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date as YYYY-MM-DD' })
  .refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)), { error: 'is not a real date' });
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const recurringFreeze = z.strictObject({
  name,
  days: z.array(z.enum(WEEKDAYS, { error: 'expected days as mon, tue, wed, thu, fri, sat or sun' })).min(1),
  from: clock,
  to: clock,
  tz: timeZone,
});
const oneOffFreeze = z
  .strictObject({ name, start: date, end: date, tz: timeZone.default('UTC') })
  .refine((window) => window.start <= window.end, { error: 'end must not be before start', path: ['end'] });
const freezeWindow = z.union([recurringFreeze, oneOffFreeze], {
  error: 'expected a freeze window: {name, days, from, to, tz} (weekly) or {name, start, end, tz} (date range)',
});

const approvalPolicy = z.strictObject({
  approvers: people.min(1, { error: 'name at least one approver' }),
  required: z.int().min(1).max(10).default(1),
  expires: duration.default(30 * 60_000),
});
const approval = z.union([z.literal('none'), approvalPolicy], {
  error: 'expected "none" or {approvers, required, expires}',
});

const channel = z
  .string()
  .regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,})$/, { error: 'expected a channel id (C…) or a channel name' });

export const environmentSchema = z.strictObject({
  context: z.string().min(1, { error: 'name the kubeconfig context of this environment' }),
  approval: approval.default('none'),
  approvalChannel: channel.optional(),
  rollbackApproval: approval.optional(),
  freeze: z.array(freezeWindow).default([]),
  breakGlass: z.strictObject({ approvers: people.min(1), required: z.int().min(1).max(10).default(1) }).optional(),
});

const healthCheck = z.strictObject({
  url: z.string().regex(/^https?:\/\/\S+$/, { error: 'expected an http(s) URL; {env} is replaced by the environment' }),
  expectStatus: z.int().min(100).max(599).default(200),
  timeout: duration.default(5_000),
});

const canary = z.strictObject({
  steps: z
    .array(z.int().min(1).max(100))
    .min(1)
    .default([10, 25, 50, 100])
    .refine((steps) => steps.every((step, index) => index === 0 || step > steps[index - 1]!), {
      error: 'steps must increase',
    })
    .refine((steps) => steps.at(-1) === 100, { error: 'the last step must be 100' }),
  hold: duration.default(5 * 60_000),
});

// Doomed pods end a rollout at once (core/pod-health.ts): `false` waits for the progress deadline instead.
const DEFAULT_FAIL_FAST = { restarts: 2, unschedulableFor: 60_000 };
const failFast = z
  .union(
    [
      z.literal(false),
      z.literal(true).transform(() => DEFAULT_FAIL_FAST),
      z.strictObject({
        restarts: z.int().min(1).max(100).default(DEFAULT_FAIL_FAST.restarts),
        unschedulableFor: duration.default(DEFAULT_FAIL_FAST.unschedulableFor),
      }),
    ],
    { error: 'expected false, true or {restarts, unschedulableFor}' },
  )
  .default(DEFAULT_FAIL_FAST);

const imageRepository = z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._/-][a-z0-9]+)*)*$/, {
  error: 'expected an image repository without a tag, e.g. registry.example.com/shop/checkout',
});

export const serviceSchema = z
  .strictObject({
    namespace: name,
    deployment: name,
    container: z.string().min(1),
    image: imageRepository,
    strategy: z
      .enum(['rolling', 'bluegreen', 'canary'], { error: 'expected rolling, bluegreen or canary' })
      .default('rolling'),
    environments: z.array(name).min(1, { error: 'list the environments this service may be deployed to' }),
    autoRollback: z.boolean().default(true),
    failFast,
    timeout: duration.default(15 * 60_000),
    healthCheck: healthCheck.optional(),
    backupBefore: name.optional(),
    service: name.optional(),
    gracePeriod: duration.default(5 * 60_000),
    canary: canary.optional(),
    team: z.string().optional(),
    allowMutableTags: z.boolean().default(false),
  })
  .transform((service) =>
    service.strategy === 'canary' && service.canary === undefined
      ? { ...service, canary: { steps: [10, 25, 50, 100], hold: 5 * 60_000 } }
      : service,
  );

const retention = duration.default(30 * 86_400_000);
// (issue 18) Scheduled backups: when (cron in a time zone), how often a restore drill proves one, the
// newest good backup's allowed age, and which results are posted to backups.reportChannel.
const backupCron = z.string().superRefine((text, context) => {
  const problem = cronProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
const backupScheduleKeys = {
  schedule: z.strictObject({ cron: backupCron, tz: timeZone.default('UTC') }).optional(),
  verifyEvery: duration.optional(),
  rpo: duration.optional(),
  report: z.enum(['failures', 'always'], { error: 'expected report: failures or always' }).default('failures'),
};
const connection = z.string().regex(/^(env:[A-Z_][A-Z0-9_]*|postgres(ql)?:\/\/\S+)$/, {
  error: 'expected env:NAME or a postgres:// connection string',
});
// (added) An optional SQL check on the temporary instance: its first value must be true or non-zero.
// `url` gives user, password and database; host and port are replaced by the temporary instance's.
const verifyCheck = z.strictObject({ sql: z.string().min(1), url: connection });
// Aurora: a restored cluster has no instance to connect to, so a check applies to rds-instance only.
const clusterVerify = z.strictObject({
  allowed: z.boolean().default(false),
  instanceClass: z.string().default('db.t3.medium'),
});
const instanceVerify = clusterVerify.extend({ check: verifyCheck.optional() });
const pgVerify = z.strictObject({ allowed: z.boolean().default(true) });
const rdsBase = z.strictObject({
  identifier: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, { error: 'expected an RDS identifier' }),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region such as eu-central-1' }),
  environment: name,
  retention,
  ...backupScheduleKeys,
  subnetGroup: z.string().optional(),
  securityGroups: z.array(z.string()).optional(),
});
const rdsInstanceDatabase = rdsBase.extend({
  engine: z.literal('rds-instance'),
  verify: instanceVerify.default({ allowed: false, instanceClass: 'db.t3.medium' }),
});
const rdsClusterDatabase = rdsBase.extend({
  engine: z.literal('rds-cluster'),
  verify: clusterVerify.default({ allowed: false, instanceClass: 'db.t3.medium' }),
});
const postgresDatabase = z.strictObject({
  engine: z.literal('postgres'),
  url: connection,
  dir: z.string().startsWith('/', { error: 'expected an absolute directory path' }),
  environment: name,
  retention,
  ...backupScheduleKeys,
  verify: pgVerify.default({ allowed: true }),
});
export const databaseSchema = z.discriminatedUnion(
  'engine',
  [rdsInstanceDatabase, rdsClusterDatabase, postgresDatabase],
  {
    error: 'expected engine: rds-instance, rds-cluster or postgres',
  },
);

const severitySchema = z.strictObject({
  responders: people.default([]),
  ackWithin: duration,
  updateEvery: duration.optional(),
  escalateTo: people.default([]),
  checklist: z.array(z.string().min(1)).optional(),
});

export const DEFAULT_CHECKLIST = [
  'Assess scope and impact',
  'Notify stakeholders',
  'Contain the problem',
  'Restore service',
  'Verify recovery',
  'Schedule the post-incident review',
];

const DEFAULT_SEVERITIES = {
  P0: { responders: [], ackWithin: 15 * 60_000, escalateTo: [] },
  P1: { responders: [], ackWithin: 60 * 60_000, escalateTo: [] },
  P2: { responders: [], ackWithin: 4 * 3_600_000, escalateTo: [] },
  P3: { responders: [], ackWithin: 24 * 3_600_000, escalateTo: [] },
};

// (issue 18) PagerDuty Events API v2 routing keys for the severities that page, by env:NAME only:
// a routing key lets anyone page the on-call, so it never sits in the catalog file.
const routingKeyReference = z.string().superRefine((text, context) => {
  if (/^env:[A-Z_][A-Z0-9_]*$/.test(text)) return;
  context.addIssue({
    code: 'custom',
    message: text.startsWith('env:')
      ? `"${text}" is not a valid env reference: expected env:NAME with NAME in capitals, digits and _`
      : 'a routing key must not be written in the catalog: give env:NAME and set NAME where the worker runs',
  });
});
const pagingSchema = z.strictObject({ P0: routingKeyReference.optional(), P1: routingKeyReference.optional() });

const incidentsSchema = z.strictObject({
  broadcastChannel: channel.optional(),
  escalationChannel: channel.optional(),
  bridgeUrl: z
    .string()
    .regex(/^https?:\/\/\S+$/, { error: 'expected an http(s) URL template; {channel} is replaced' })
    .optional(),
  oncall: people.default([]),
  archiveAfter: duration.default(7 * 86_400_000),
  checklist: z.array(z.string().min(1)).default(DEFAULT_CHECKLIST),
  paging: pagingSchema.default({}),
  severities: z
    .strictObject(
      Object.fromEntries(SEVERITIES.map((severity) => [severity, severitySchema.optional()])) as Record<
        (typeof SEVERITIES)[number],
        z.ZodOptional<typeof severitySchema>
      >,
    )
    .default({})
    .transform(
      (given) =>
        ({
          ...DEFAULT_SEVERITIES,
          ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
        }) as Record<(typeof SEVERITIES)[number], z.output<typeof severitySchema>>,
    ),
});

const rolesSchema = z.strictObject(
  Object.fromEntries(ROLE_NAMES.map((role) => [role, people.optional()])) as Record<
    (typeof ROLE_NAMES)[number],
    z.ZodOptional<typeof people>
  >,
);

// (added, issue 18) Patterns whose matches /ops logs and /ops events blank out before Slack sees them.
// Each must compile as a JavaScript regular expression; it is applied globally, case-sensitively.
const redactPattern = z
  .string()
  .min(1)
  .refine(
    (pattern) => {
      try {
        new RegExp(pattern, 'g');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected a regular expression (JavaScript syntax), e.g. "password=\\S+"' },
  );

const DEFAULT_MUTABLE_TAGS = ['latest', 'main', 'master', 'stable'] as const;

// Words of the command grammar cannot be names: "/deploy history checkout production" must stay unambiguous.
const RESERVED = new Set(['history', 'list', 'verify', 'to', 'help']);

export const catalogSchema = z
  .strictObject({
    environments: z
      .record(name, environmentSchema)
      .refine((environments) => Object.keys(environments).length > 0, { error: 'define at least one environment' }),
    services: z.record(name, serviceSchema).default({}),
    databases: z.record(name, databaseSchema).default({}),
    roles: rolesSchema.default({}),
    // (added) where the daily retention report goes; without it the report is only logged and audited.
    backups: z.strictObject({ reportChannel: channel.optional() }).default({}),
    // Tags that name a different image from one day to the next: refused unless a service allows them.
    mutableTags: z.array(z.string().min(1)).default([...DEFAULT_MUTABLE_TAGS]),
    redact: z.array(redactPattern).default([]),
    incidents: incidentsSchema.default({
      oncall: [],
      archiveAfter: 7 * 86_400_000,
      checklist: DEFAULT_CHECKLIST,
      paging: {},
      severities: DEFAULT_SEVERITIES,
    }),
  })
  .superRefine((catalog, context) => {
    const environments = new Set(Object.keys(catalog.environments));
    const known = (what: string, names: Iterable<string>) => `${what}: ${[...names].join(', ') || 'none defined'}`;
    for (const [serviceName, service] of Object.entries(catalog.services)) {
      if (RESERVED.has(serviceName))
        context.addIssue({
          code: 'custom',
          path: ['services', serviceName],
          message: `"${serviceName}" is a word of the command grammar and cannot name a service`,
        });
      service.environments.forEach((env, index) => {
        if (!environments.has(env))
          context.addIssue({
            code: 'custom',
            path: ['services', serviceName, 'environments', index],
            message: `unknown environment "${env}" (${known('environments', environments)})`,
          });
      });
      if (service.backupBefore !== undefined && !(service.backupBefore in catalog.databases)) {
        context.addIssue({
          code: 'custom',
          path: ['services', serviceName, 'backupBefore'],
          message: `unknown database "${service.backupBefore}" (${known('databases', Object.keys(catalog.databases))})`,
        });
      }
    }
    for (const [databaseName, database] of Object.entries(catalog.databases)) {
      if (RESERVED.has(databaseName))
        context.addIssue({
          code: 'custom',
          path: ['databases', databaseName],
          message: `"${databaseName}" is a word of the command grammar and cannot name a database`,
        });
      if (!environments.has(database.environment))
        context.addIssue({
          code: 'custom',
          path: ['databases', databaseName, 'environment'],
          message: `unknown environment "${database.environment}" (${known('environments', environments)})`,
        });
      if (database.verifyEvery !== undefined && database.engine !== 'postgres' && !database.verify.allowed)
        context.addIssue({
          code: 'custom',
          path: ['databases', databaseName, 'verifyEvery'],
          message: 'verifyEvery needs verify.allowed: true (a restore drill of an RDS backup costs money)',
        });
      if (database.verifyEvery !== undefined && database.schedule === undefined)
        context.addIssue({
          code: 'custom',
          path: ['databases', databaseName, 'verifyEvery'],
          message: 'verifyEvery needs a schedule: the drill runs after a scheduled backup',
        });
    }
  });

export type Catalog = z.output<typeof catalogSchema>;
export type CatalogEnvironment = z.output<typeof environmentSchema>;
export type CatalogService = z.output<typeof serviceSchema>;
export type CatalogDatabase = z.output<typeof databaseSchema>;
export type ApprovalPolicy = z.output<typeof approvalPolicy>;
export type FreezeWindow = z.output<typeof freezeWindow>;

// The database a deploy of `service` to `env` backs up first: `backupBefore`, when that database lives
// in the same environment (a staging deploy does not back up the production database).
export function backupBeforeIn(catalog: Catalog, service: string, env: string): string | undefined {
  const name = catalog.services[service]?.backupBefore;
  return name && catalog.databases[name]?.environment === env ? name : undefined;
}

// `latest`, `main`…: a tag that can point at another image tomorrow (compared case-insensitively).
export function isMutableTag(catalog: Catalog, version: string): boolean {
  return catalog.mutableTags.some((tag) => tag.toLowerCase() === version.toLowerCase());
}
