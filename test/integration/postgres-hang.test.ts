import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { pino } from 'pino';
import { createPool, ensureDatabase, inTransaction } from '../../src/adapters/postgres.ts';
import { POSTGRES_URL, databaseUrl, dropDatabase, uniqueName } from '../support/services.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

// PostgreSQL that stops answering mid-query (a partition, a black hole): every pooled connection it
// held must come back, or once all ten are held every later query waits for a connection forever.
const logger = pino({ level: 'silent' });
const database = uniqueName('opsbot_pghang');
const target = new URL(POSTGRES_URL);
const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
let pool: pg.Pool;

beforeAll(async () => {
  await ensureDatabase(databaseUrl(database), logger);
  const url = new URL(databaseUrl(database));
  url.port = String(await proxy.start());
  pool = createPool(url.toString(), logger, 300);
});

afterAll(async () => {
  await pool.end();
  await proxy.stop();
  await dropDatabase(database);
});

describe('a PostgreSQL that stops answering', () => {
  it('gives back every connection it held, so queries work again once it answers', async () => {
    // Ten connections open and in the pool, then the server goes silent under them.
    await Promise.all(Array.from({ length: 10 }, () => inTransaction(pool, (client) => client.query('SELECT 1'))));
    proxy.blackhole();
    const hung = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        index % 2 === 0 ? inTransaction(pool, (client) => client.query('SELECT 1')) : pool.query('SELECT 1'),
      ),
    );
    expect(hung.every((outcome) => outcome.status === 'rejected')).toBe(true);
    await proxy.cut();
    await proxy.start();
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
    await expect(inTransaction(pool, (client) => client.query('SELECT 2 AS ok'))).resolves.toMatchObject({
      rows: [{ ok: 2 }],
    });
  });
});
