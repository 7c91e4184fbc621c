import { type AuditRow } from '../src/core/audit.ts';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AuditStore } from '../src/adapters/audit-store.ts';
import { createPool } from '../src/adapters/postgres.ts';
import { parseDuration } from '../src/core/duration.ts';

// `npm run audit:export -- --since 30d --format csv|jsonl [--target checkout]`: the audit log on
// stdout, oldest first, from DATABASE_URL (the bot's own default when unset).
const { values } = parseArgs({
  options: {
    since: { type: 'string', default: '30d' },
    format: { type: 'string', default: 'jsonl' },
    target: { type: 'string' },
    limit: { type: 'string', default: '1000000' },
  },
});
const sinceMs = parseDuration(values.since);
if (sinceMs === undefined || !['csv', 'jsonl'].includes(values.format)) {
  process.stderr.write('usage: npm run audit:export -- --since 30d --format csv|jsonl [--target <service|env>]\n');
  process.exit(2);
}
const COLUMNS: (keyof AuditRow)[] = [
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

const pool = createPool(process.env.DATABASE_URL ?? 'postgres://localhost:5432/opsbot', pino({ level: 'silent' }));
try {
  const rows = (
    await new AuditStore(pool, pino({ level: 'silent' })).query({
      since: new Date(Date.now() - sinceMs),
      limit: Number(values.limit),
      ...(values.target ? { target: values.target } : {}),
    })
  ).reverse();
  if (values.format === 'csv') {
    process.stdout.write(`${COLUMNS.join(',')}\n`);
    for (const row of rows) process.stdout.write(`${COLUMNS.map((column) => csvCell(row[column])).join(',')}\n`);
  } else {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
  }
} finally {
  await pool.end();
}
