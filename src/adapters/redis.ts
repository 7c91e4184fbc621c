import type { RedisOptions as BullConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { describeRedis, parseRedisUrl } from '../core/redis-url.ts';

// ioredis 6 speaks RESP3 by default; BullMQ 6 is tested on RESP2 (TECH-NOTES §2), so pin it.
const BASE = {
  protocol: 2,
  connectTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(200 * attempt, 2_000),
} satisfies RedisOptions;

export type RedisSettings = { url: string; sentinelPassword?: string | undefined };

// The one place REDIS_URL becomes ioredis options (decision 0027): every connection the bot and the
// workers make (producer, BullMQ workers and the connections they duplicate) is built from it.
export function redisOptions(settings: RedisSettings): RedisOptions {
  const target = parseRedisUrl(settings.url);
  const common = {
    ...BASE,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    db: target.db,
  };
  if (target.kind === 'server') return { ...common, ...target.address, ...(target.tls ? { tls: {} } : {}) };
  return {
    ...common,
    sentinels: target.sentinels,
    name: target.name,
    role: 'master',
    ...(settings.sentinelPassword ? { sentinelPassword: settings.sentinelPassword } : {}),
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    // A primary demoted under us answers writes with READONLY: reconnect (Sentinel names the new
    // one) and send the command again.
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
    sentinelRetryStrategy: (attempt: number) => Math.min(200 * attempt, 2_000),
  };
}

// Producers (the bot) fail fast when Redis is down, so a request is refused at once instead of
// hanging past Slack's 3-second deadline.
export function producerConnection(settings: RedisSettings): Redis {
  return new Redis({ ...redisOptions(settings), enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}

// Workers wait for Redis to come back; BullMQ requires maxRetriesPerRequest: null on them.
export function workerConnectionOptions(settings: RedisSettings): BullConnectionOptions {
  return { ...redisOptions(settings), retryStrategy: BASE.retryStrategy, maxRetriesPerRequest: null };
}

// What logs and /readyz show of REDIS_URL: where, never the password.
export function redisShown(settings: RedisSettings): string {
  return describeRedis(parseRedisUrl(settings.url));
}

export async function waitUntilReady(redis: Redis, timeoutMs: number, where = 'Redis'): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${where} did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export async function pingWithin(redis: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis ping timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// Every key under a prefix (queues, locks, ledger of one deployment), in SCAN batches so a large
// keyspace never blocks Redis the way KEYS would.
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

// BullMQ keeps jobs as ordinary keys: a Redis that evicts under memory pressure drops queued and
// running jobs without a trace. Returns what is wrong, or undefined when the policy is noeviction.
export async function evictionProblem(redis: Redis): Promise<string | undefined> {
  let answer: unknown;
  try {
    answer = await redis.call('CONFIG', 'GET', 'maxmemory-policy');
  } catch (error) {
    return (
      `Redis did not allow CONFIG GET maxmemory-policy (${(error as Error).message}), so ops-bot cannot check ` +
      'that Redis never evicts its jobs. If your provider hides CONFIG, confirm the policy is noeviction ' +
      'in its console and set REDIS_SKIP_EVICTION_CHECK=true.'
    );
  }
  const policy = Array.isArray(answer) ? String(answer[1] ?? '') : '';
  if (policy === 'noeviction') return undefined;
  return (
    `Redis maxmemory-policy is "${policy || 'unknown'}"; ops-bot needs "noeviction" because BullMQ loses ` +
    'queued and running jobs when Redis evicts keys. Set it (CONFIG SET maxmemory-policy noeviction, and in ' +
    'redis.conf), or set REDIS_SKIP_EVICTION_CHECK=true if your provider hides CONFIG and you have checked it.'
  );
}
