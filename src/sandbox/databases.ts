import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { RdsGateway } from '../adapters/rds.ts';
import { withDefaultUser } from '../adapters/postgres.ts';
import { RdsSimulator } from './rds/simulator.ts';

// The example catalog's databases, for the sandbox: orders and analytics live in a simulated RDS
// (reached by the real client-rds), ledger is a real local PostgreSQL database dumped with pg_dump.
export type SandboxDatabases = {
  rds: RdsSimulator;
  gateway: RdsGateway;
  catalogPath: string;
  stop: () => Promise<void>;
};

export async function startDatabases(options: {
  dir: string;
  exampleCatalog: string;
  ledgerUrl: string;
}): Promise<SandboxDatabases> {
  const rds = new RdsSimulator({ snapshotMs: 3_000, restoreMs: 5_000, deleteMs: 1_000 });
  await rds.start();
  rds.addInstance('orders-prod');
  rds.addCluster('analytics-prod');
  rds.addSnapshot('rds:orders-prod-2026-11-01-03-00', 'orders-prod', { type: 'automated', ageMs: 86_400_000 });

  await seedLedger(options.ledgerUrl);
  process.env.LEDGER_DATABASE_URL = options.ledgerUrl;
  // The example writes dumps to /var/backups/ledger; the sandbox keeps them in its own directory.
  const dumps = resolve(options.dir, 'backups/ledger');
  await mkdir(dumps, { recursive: true });
  const catalog = (await readFile(options.exampleCatalog, 'utf8')).replace('dir: /var/backups/ledger', `dir: ${dumps}`);
  const catalogPath = join(options.dir, 'catalog.yml');
  await writeFile(catalogPath, catalog);

  const gateway = new RdsGateway({
    endpoint: rds.url,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  return { rds, gateway, catalogPath, stop: () => rds.stop() };
}

const LEDGER_SEED = `
  CREATE TABLE IF NOT EXISTS accounts (id serial PRIMARY KEY, owner text NOT NULL);
  CREATE TABLE IF NOT EXISTS entries (
    id bigserial PRIMARY KEY,
    account_id int NOT NULL REFERENCES accounts,
    amount_cents bigint NOT NULL,
    booked_at timestamptz NOT NULL DEFAULT now()
  );
  INSERT INTO accounts (owner)
    SELECT 'owner ' || n FROM generate_series(1, 100) n
    WHERE NOT EXISTS (SELECT 1 FROM accounts);
  INSERT INTO entries (account_id, amount_cents)
    SELECT 1 + n % 100, n * 7 FROM generate_series(1, 5000) n
    WHERE NOT EXISTS (SELECT 1 FROM entries);
`;

// A small ledger with a few thousand rows, so a dump, its manifest and a verify have something to show.
async function seedLedger(url: string): Promise<void> {
  await createDatabaseIfMissing(url);
  const ledger = new pg.Client({ connectionString: withDefaultUser(url) });
  await ledger.connect();
  try {
    await ledger.query(LEDGER_SEED);
  } finally {
    await ledger.end();
  }
}

async function createDatabaseIfMissing(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(withDefaultUser(url));
  admin.pathname = '/postgres';
  const server = new pg.Client({ connectionString: admin.toString() });
  await server.connect();
  try {
    const { rowCount } = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await server.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await server.end();
  }
}
