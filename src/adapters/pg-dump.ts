import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { UserError } from '../core/user-error.ts';
import { dumpClientProblem, dumpedBy, restoreClientProblem } from './pg-dump-version.ts';
import { withDefaultUser } from './postgres.ts';

export type TableCount = { schema: string; name: string; rows: number; estimate: number };
export type DumpResult = { sizeBytes: number; sha256: string; serverVersion: string; tables: TableCount[] };

// The password travels in the child's environment, never on its command line (where `ps` shows it).
function connection(url: string): { dsn: string; env: Record<string, string> } {
  const parsed = new URL(withDefaultUser(url));
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dsn: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

function run(command: string, args: string[], env: Record<string, string>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    child.on('error', (error) => reject(new Error(`${command} could not run: ${error.message}`)));
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`)),
    );
  });
}

const TABLES = `SELECT n.nspname AS schema, c.relname AS name, greatest(c.reltuples, 0)::bigint AS estimate
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
 ORDER BY 1, 2`;

async function countTables(client: pg.ClientBase): Promise<TableCount[]> {
  const { rows } = await client.query<{ schema: string; name: string; estimate: string }>(TABLES);
  const counts: TableCount[] = [];
  for (const row of rows) {
    const {
      rows: [count],
    } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${pg.escapeIdentifier(row.schema)}.${pg.escapeIdentifier(row.name)}`,
    );
    counts.push({ schema: row.schema, name: row.name, rows: Number(count!.n), estimate: Number(row.estimate) });
  }
  return counts;
}

// What `<tool> --version` prints, run with the same environment (PATH) as the dump or restore itself.
async function versionOf(tool: 'pg_dump' | 'pg_restore'): Promise<string> {
  try {
    return (await promisify(execFile)(tool, ['--version'], { env: process.env })).stdout;
  } catch (error) {
    throw new UserError(`${tool} could not run here: ${(error as Error).message.split('\n')[0]}`, {
      code: `${tool}_missing`,
    });
  }
}

async function checkDumpClient(client: pg.ClientBase): Promise<void> {
  const {
    rows: [server],
  } = await client.query<{ num: string; text: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text",
  );
  const output = await versionOf('pg_dump');
  const problem = dumpClientProblem(output, { versionNum: Number(server!.num), text: server!.text });
  if (problem) throw new UserError(problem, { code: 'pg_dump_too_old' });
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// pg_dump in custom format. A REPEATABLE READ transaction exports its snapshot; the row counts and
// pg_dump (--snapshot) both read that snapshot, so the manifest describes exactly what the dump holds
// even while the database keeps changing.
export async function dumpDatabase(
  url: string,
  file: string,
  onProgress: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<DumpResult> {
  const client = new pg.Client({ connectionString: withDefaultUser(url) });
  // It holds the snapshot open, idle, for the whole dump: a connection lost meanwhile would emit 'error' with no
  // listener and end the process. The loss still fails the dump, through pg_dump and the COMMIT.
  client.on('error', () => undefined);
  await client.connect();
  const progress = setInterval(() => {
    stat(file).then(
      (info) => onProgress(info.size),
      () => undefined,
    );
  }, 250);
  try {
    await checkDumpClient(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const {
      rows: [snapshot],
    } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const {
      rows: [version],
    } = await client.query<{ server_version: string }>('SHOW server_version');
    const { dsn, env } = connection(url);
    const dumping = run(
      'pg_dump',
      ['--format=custom', `--snapshot=${snapshot!.id}`, '--no-password', `--file=${file}`, `--dbname=${dsn}`],
      env,
      signal,
    );
    const tables = await countTables(client);
    await dumping;
    await client.query('COMMIT');
    const sizeBytes = (await stat(file)).size;
    onProgress(sizeBytes);
    return { sizeBytes, sha256: await sha256File(file), serverVersion: version!.server_version, tables };
  } finally {
    clearInterval(progress);
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(withDefaultUser(url));
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export async function databaseExists(url: string, database: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(url: string, database: string): Promise<void> {
  await admin(url, `CREATE DATABASE ${pg.escapeIdentifier(database)}`);
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  await admin(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
}

// pg_restore into a database that must already exist (and be empty); two jobs on two cores.
export async function restoreInto(url: string, database: string, file: string, signal?: AbortSignal): Promise<void> {
  const { dsn, env } = connection(withDatabase(url, database));
  await run(
    'pg_restore',
    ['--no-owner', '--no-privileges', '--exit-on-error', '--jobs=2', '--no-password', `--dbname=${dsn}`, file],
    env,
    signal,
  );
}

// Checked before anything is restored, so an old pg_restore fails with both versions named instead
// of "unsupported version (1.16) in file header" after a scratch database was made for nothing.
export async function checkRestoreClient(file: string): Promise<void> {
  const handle = await open(file, 'r');
  let header: Buffer;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1_024), 0, 1_024, 0);
    header = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const problem = restoreClientProblem(await versionOf('pg_restore'), dumpedBy(header));
  if (problem) throw new UserError(problem, { code: 'pg_restore_too_old' });
}

export async function countRows(url: string, database: string): Promise<TableCount[]> {
  const client = new pg.Client({ connectionString: withDatabase(url, database) });
  await client.connect();
  try {
    return await countTables(client);
  } finally {
    await client.end();
  }
}
