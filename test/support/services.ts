import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { dropDatabase as dropDatabaseAt } from '../../src/adapters/pg-dump.ts';
import { deleteKeysWithPrefix } from '../../src/adapters/redis.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

// Each test file gets its own database; it is dropped afterwards, whatever was left connected.
export async function dropDatabase(name: string): Promise<void> {
  await dropDatabaseAt(POSTGRES_URL, name);
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
