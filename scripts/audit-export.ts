import { type AuditRow } from '../src/core/audit.ts';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AuditStore } from '../src/adapters/audit-store.ts';
import { createPool } from '../src/adapters/postgres.ts';
import { ReleaseStats, type LedgerRow } from '../src/adapters/release-stats.ts';
import { parseDuration } from '../src/core/duration.ts';

// `npm run audit:export -- --since 30d --format csv|jsonl [--target checkout] [--releases]`: the audit
// log on stdout, oldest first, from DATABASE_URL (required: an export from the wrong database would look
// like a quiet month); with --releases, the release ledger's rows started since then instead (--target: a
// service or an environment).
const USAGE =
  'usage: DATABASE_URL=postgres://… npm run -s audit:export -- --since 30d --format csv|jsonl ' +
  '[--target <service|env>] [--releases]';

function usage(problem: string): never {
  process.stderr.write(`audit:export: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      since: { type: 'string', default: '30d' },
      format: { type: 'string', default: 'jsonl' },
      target: { type: 'string' },
      limit: { type: 'string', default: '1000000' },
      releases: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const { values } = parsed;
const sinceMs = parseDuration(values.since);
if (sinceMs === undefined) usage(`--since ${values.since} is not a duration such as 30d or 12h`);
if (!['csv', 'jsonl'].includes(values.format)) usage(`--format ${values.format} is neither csv nor jsonl`);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) usage('DATABASE_URL is not set: it names the database to export from');
const RELEASE_COLUMNS: (keyof LedgerRow)[] = [
  'id',
  'kind',
  'service',
  'env',
  'context',
  'namespace',
  'deployment',
  'rsUid',
  'templateHash',
  'revision',
  'image',
  'digest',
  'version',
  'strategy',
  'requester',
  'approvers',
  'reason',
  'jobId',
  'incidentChannel',
  'requestedAt',
  'approvedAt',
  'startedAt',
  'finishedAt',
  'outcome',
  'outcomeDetail',
  'rolledBackFrom',
  'rolledBackAt',
  'rolledBackBy',
];
const AUDIT_COLUMNS: (keyof AuditRow)[] = [
  'id',
  'at',
  'event',
  'decision',
  'actor',
  'team',
  'channel',
  'command',
  'action',
  'target',
  'reason',
  'correlationId',
  'jobId',
  'planHash',
  'permalink',
  'details',
];

function csvCell(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function write<R>(rows: R[], columns: (keyof R)[]): void {
  if (values.format === 'csv') {
    process.stdout.write(`${columns.join(',')}\n`);
    for (const row of rows) process.stdout.write(`${columns.map((column) => csvCell(row[column])).join(',')}\n`);
  } else {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
  }
}

const pool = createPool(databaseUrl, pino({ level: 'silent' }));
try {
  const since = new Date(Date.now() - sinceMs);
  if (values.releases) {
    write(await new ReleaseStats(pool).rowsSince(since, Number(values.limit), values.target), RELEASE_COLUMNS);
  } else {
    const rows = await new AuditStore(pool, pino({ level: 'silent' })).query({
      since,
      limit: Number(values.limit),
      ...(values.target ? { target: values.target } : {}),
    });
    write(rows.reverse(), AUDIT_COLUMNS);
  }
} catch (error) {
  const where = new URL(databaseUrl);
  where.password = '';
  process.stderr.write(`audit:export: could not read ${where.toString()}: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
