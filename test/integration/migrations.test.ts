import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { pino } from 'pino';
import { createPool, ensureDatabase, migrate } from '../../src/adapters/postgres.ts';
import { databaseUrl, dropDatabase, uniqueName } from '../support/services.ts';

const logger = pino({ level: 'silent' });
const database = uniqueName('opsbot_migrations');
let pools: pg.Pool[] = [];

beforeAll(async () => {
  await ensureDatabase(databaseUrl(database), logger);
  pools = [0, 1, 2].map(() => createPool(databaseUrl(database), logger));
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await dropDatabase(database);
});

describe('migrations', () => {
  it('run once when three replicas start together, and are a no-op afterwards', async () => {
    const ran = await Promise.all(pools.map((pool) => migrate(pool, logger)));
    expect(ran.flat()).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(await migrate(pools[0]!, logger)).toEqual([]);
    const { rows } = await pools[0]!.query('SELECT version, name FROM schema_migrations');
    expect(rows).toEqual([
      { version: 1, name: 'audit_events' },
      { version: 2, name: 'approval_requests' },
      { version: 3, name: 'backups' },
      { version: 4, name: 'incidents' },
      { version: 5, name: 'releases' },
      { version: 6, name: 'releases_approved_at' },
      { version: 8, name: 'backup_verifies_and_rpo_breaches' },
    ]);
  });

  it('create the database when it does not exist yet, and leave an existing one alone', async () => {
    await expect(ensureDatabase(databaseUrl(database), logger)).resolves.toBeUndefined();
  });
});
