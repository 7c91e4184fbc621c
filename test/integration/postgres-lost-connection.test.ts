import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { pino } from 'pino';
import { createPool, ensureDatabase, inTransaction, inTransactionWithin } from '../../src/adapters/postgres.ts';
import { POSTGRES_URL, databaseUrl, dropDatabase, uniqueName } from '../support/services.ts';

// A connection PostgreSQL ends (a failover, an admin's pg_terminate_backend) while a transaction waits on
// something else between two queries: the transaction fails, the process does not, and the pool goes on.
const logger = pino({ level: 'silent' });
const database = uniqueName('opsbot_pglost');
let pool: pg.Pool;

beforeAll(async () => {
  await ensureDatabase(databaseUrl(database), logger);
  pool = createPool(databaseUrl(database), logger);
});

afterAll(async () => {
  await pool.end();
  await dropDatabase(database);
});

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

// Between two queries: the backend is ended, and the client's 'error' has arrived before the next query.
async function lostBetweenQueries(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  await terminate(rows[0]!.pid);
  await ended;
  await client.query('SELECT 1');
}

describe('a connection lost between two queries of a transaction', () => {
  it('fails that transaction and leaves the process and the pool working (inTransaction)', async () => {
    await expect(inTransaction(pool, lostBetweenQueries)).rejects.toThrow();
    expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });

  it('fails that transaction and leaves the process and the pool working (inTransactionWithin)', async () => {
    await expect(inTransactionWithin(pool, 5_000, lostBetweenQueries)).rejects.toThrow();
    expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });
});
