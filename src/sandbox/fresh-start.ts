import { Redis } from 'ioredis';
import { dropDatabase } from '../adapters/pg-dump.ts';
import { deleteKeysWithPrefix } from '../adapters/redis.ts';

// The simulated Slack starts empty each time, so queue state and approvals left in Redis and
// PostgreSQL by an earlier sandbox would point at messages that no longer exist: start clean.
// Only the sandbox's own defaults are wiped, never a prefix or database someone set explicitly.
export async function wipeSandboxState(redisUrl: string, prefix: string, databaseUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
  await dropDatabase(databaseUrl, decodeURIComponent(new URL(databaseUrl).pathname.slice(1)));
}
