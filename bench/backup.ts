import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { eventually } from '../test/support/eventually.ts';
import { databaseUrl, dropDatabase, uniqueName } from '../test/support/services.ts';
import { startStack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round } from './lib/stats.ts';

// backup: pg_dump backup and verify of a generated ~500 MB database through ops-bot (Slack command to
// final message), against the bare pg_dump / pg_restore on the same data in the same run. MB/s are
// of the database's size (pg_database_size); each side's best of two rounds, alternating.
const TARGET_MB = Number(process.env.BENCH_BACKUP_MB ?? 500);
const ROUNDS = 2;

function run(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command}: ${stderr}`)),
    );
  });
}

async function generate(name: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const client = new pg.Client({ connectionString: databaseUrl(name) });
  await client.connect();
  // ~120 bytes a row of mixed data, in three tables, until the database reaches the target size.
  await client.query(
    'CREATE TABLE orders (id bigint PRIMARY KEY, customer text, total numeric(12,2), placed timestamptz, note text)',
  );
  await client.query('CREATE TABLE lines (id bigint, order_id bigint, sku text, qty int)');
  await client.query('CREATE TABLE customers (id int PRIMARY KEY, email text)');
  await client.query(
    "INSERT INTO customers SELECT g, md5(g::text) || '@example.com' FROM generate_series(1, 200000) g",
  );
  const perBatch = 1_000_000;
  let batch = 0;
  for (;;) {
    const {
      rows: [size],
    } = await client.query<{ mb: string }>('SELECT pg_database_size(current_database()) / 1048576 AS mb');
    if (Number(size!.mb) >= TARGET_MB) break;
    const from = batch * perBatch + 1;
    await client.query(
      `INSERT INTO orders SELECT g, 'cust-' || (g % 200000), (g % 10000) / 7.0, now() - (g || ' seconds')::interval, md5(g::text) || md5((g * 3)::text) FROM generate_series(${from}, ${from + perBatch - 1}) g`,
    );
    await client.query(
      `INSERT INTO lines SELECT g, g / 3, 'sku-' || (g % 5000), g % 9 FROM generate_series(${from}, ${from + perBatch - 1}) g`,
    );
    batch += 1;
  }
  await client.query('VACUUM ANALYZE');
  const {
    rows: [size],
  } = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
  await client.end();
  return Number(size!.bytes) / 1_048_576;
}

export async function backupBenchmark(): Promise<void> {
  const name = uniqueName('opsbot_bench_big');
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-bench-dumps-'));
  process.stdout.write(`backup bench: generating a ~${TARGET_MB} MB database…\n`);
  const sizeMb = await generate(name);
  process.env.OPSBOT_BENCH_DB_URL = databaseUrl(name);
  const catalog = `environments:\n  staging: { context: staging }\ndatabases:\n  big: { engine: postgres, url: "env:OPSBOT_BENCH_DB_URL", dir: "${dir}", environment: staging }\nroles:\n  backup: ["@dba"]\n`;
  const stack = await startStack({ catalogYaml: catalog, env: { LOG_LEVEL: 'warn' } });
  const timings = {
    dump: [] as number[],
    bareDump: [] as number[],
    verify: [] as number[],
    bareRestore: [] as number[],
  };
  try {
    for (let round_ = 0; round_ < ROUNDS; round_ += 1) {
      const bareFile = join(dir, `bare-${round_}.dump`);
      timings.bareDump.push(
        await run('pg_dump', ['--format=custom', `--file=${bareFile}`, `--dbname=${databaseUrl(name)}`]),
      );
      let started = performance.now();
      const before = stack.sim.workspace.channelMessages('C0DEPLOYS01').length;
      await stack.slack.command('dave', '/backup big');
      const message = await eventually(
        () => {
          const found = stack.sim.workspace
            .channelMessages('C0DEPLOYS01')
            .slice(before)
            .find((candidate) => candidate.text.startsWith('Backup of big: backed up'));
          if (!found) throw new Error('not yet');
          return found;
        },
        { timeoutMs: 600_000, intervalMs: 100 },
      );
      timings.dump.push(performance.now() - started);
      const id = /(big-\d{8}-\d{6}-[0-9a-f]{6})/.exec(message.text)![1]!;
      const scratch = uniqueName('opsbot_bench_restore');
      const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${scratch}`);
      await admin.end();
      timings.bareRestore.push(
        await run('pg_restore', [
          '--no-owner',
          '--no-privileges',
          '--exit-on-error',
          '--jobs=2',
          `--dbname=${databaseUrl(scratch)}`,
          bareFile,
        ]),
      );
      await dropDatabase(scratch);
      await rm(bareFile);
      started = performance.now();
      await stack.slack.command('dave', `/backup verify ${id}`);
      await eventually(
        () => {
          if (
            !stack.sim.workspace
              .channelMessages('C0DEPLOYS01')
              .some((candidate) => candidate.text.startsWith(`Verify of ${id}: restores`))
          )
            throw new Error('not yet');
        },
        { timeoutMs: 600_000, intervalMs: 100 },
      );
      timings.verify.push(performance.now() - started);
    }
  } finally {
    await stack.close();
    await dropDatabase(name);
    await rm(dir, { recursive: true, force: true });
  }
  const best = (values: number[]) => Math.min(...values);
  await report(
    'backup',
    {
      database_mb: round(sizeMb, 1),
      dump_mb_s: round(sizeMb / (best(timings.dump) / 1000), 1),
      verify_mb_s: round(sizeMb / (best(timings.verify) / 1000), 1),
      dump_overhead_ratio: round(best(timings.dump) / best(timings.bareDump)),
      verify_overhead_ratio: round(best(timings.verify) / best(timings.bareRestore)),
      dump_s: round(best(timings.dump) / 1000, 1),
      bare_dump_s: round(best(timings.bareDump) / 1000, 1),
      verify_s: round(best(timings.verify) / 1000, 1),
      bare_restore_s: round(best(timings.bareRestore) / 1000, 1),
    },
    {
      dump: 'ops-bot: /backup command → final message (snapshot export, exact row counts, pg_dump -Fc, sha256, manifest) vs bare pg_dump -Fc',
      verify:
        'ops-bot: /backup verify → final message (sha256, createdb, pg_restore --jobs=2, row counts, dropdb) vs bare pg_restore --jobs=2 into an empty database',
      rounds: `${ROUNDS}, alternating, best of each`,
    },
  );
}
