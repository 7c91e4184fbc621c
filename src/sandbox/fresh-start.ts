import { Redis } from 'ioredis';
import { dropDatabase } from '../adapters/pg-dump.ts';

// The simulated Slack starts empty each time, so queue state and approvals left in Redis and
// PostgreSQL by an earlier sandbox would point at messages that no longer exist: start clean.
// Only the sandbox's own defaults are wiped, never a prefix or database someone set explicitly.
export async function wipeSandboxState(redisUrl: string, prefix: string, databaseUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  await dropDatabase(databaseUrl, decodeURIComponent(new URL(databaseUrl).pathname.slice(1)));
}
