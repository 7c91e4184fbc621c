import { Redis } from 'ioredis';
import type pg from 'pg';
import { pino } from 'pino';
import { AuditStore } from '../../src/adapters/audit-store.ts';
import { createMetrics, type Metrics } from '../../src/adapters/metrics.ts';
import { createPool, ensureDatabase, migrate } from '../../src/adapters/postgres.ts';
import { JobQueues } from '../../src/jobs/queues.ts';
import { REDIS_URL, databaseUrl, deleteRedisPrefix, dropDatabase, uniqueName } from './services.ts';

export type StoreFixture = {
  pool: pg.Pool;
  audit: AuditStore;
  queues: JobQueues;
  metrics: Metrics;
  logger: pino.Logger;
  close(): Promise<void>;
};

// A fresh, migrated database and a fresh Redis prefix with the job queues: what store tests need.
export async function openStores(name: string): Promise<StoreFixture> {
  const logger = pino({ level: 'silent' });
  const database = uniqueName(name);
  const prefix = uniqueName('opsbot-test');
  await ensureDatabase(databaseUrl(database), logger);
  const pool = createPool(databaseUrl(database), logger);
  await migrate(pool, logger);
  const redis = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: 1 });
  const metrics = createMetrics();
  const queues = new JobQueues(redis, prefix, metrics, () => undefined);
  return {
    pool,
    audit: new AuditStore(pool, logger),
    queues,
    metrics,
    logger,
    close: async () => {
      await queues.close();
      redis.disconnect();
      await pool.end();
      await deleteRedisPrefix(prefix);
      await dropDatabase(database);
    },
  };
}
