import type { Redis } from 'ioredis';
import { BoundedMap } from './bounded-map.ts';

// Slack allows about one message per second per channel, with short bursts. Every process posting
// for ops-bot (bot, workers) reserves its slot in one Redis key per channel, so the pace holds for
// the deployment, not per process. GCRA (generic cell rate algorithm): the key holds the theoretical
// arrival time of the next message; a caller takes the next slot and waits until it comes. Redis's
// own clock is used, so workers' clocks need not agree.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - interval * (burst - 1) - now
if wait < 0 then wait = 0 end
local nextTat = tat + interval
redis.call('SET', KEYS[1], nextTat, 'PX', nextTat - now + interval * burst)
return wait`;

export type ChannelPacer = { reserve(channel: string): Promise<number> };

export class RedisChannelPacer implements ChannelPacer {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #intervalMs: number;
  readonly #burst: number;

  constructor(redis: Redis, prefix: string, options: { intervalMs?: number; burst?: number } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#burst = options.burst ?? 3;
  }

  // How long the caller must wait before posting (its slot is reserved already).
  async reserve(channel: string): Promise<number> {
    return Number(await this.#redis.eval(RESERVE, 1, `${this.#prefix}:pace:${channel}`, this.#intervalMs, this.#burst));
  }
}

// Without Redis (a gateway used on its own): the same rule within this process. Channels are kept
// least recently used first out, so one busy channel keeps its pace however many others post once.
export class LocalChannelPacer implements ChannelPacer {
  readonly #next: BoundedMap<string, number>;
  readonly #intervalMs: number;
  readonly #burst: number;

  constructor(options: { intervalMs?: number; burst?: number; maxChannels?: number } = {}) {
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#burst = options.burst ?? 3;
    this.#next = new BoundedMap(options.maxChannels ?? 10_000);
  }

  get channels(): number {
    return this.#next.size;
  }

  async reserve(channel: string): Promise<number> {
    const now = Date.now();
    const tat = Math.max(this.#next.get(channel) ?? now, now);
    this.#next.set(channel, tat + this.#intervalMs);
    return Math.max(0, tat - this.#intervalMs * (this.#burst - 1) - now);
  }
}
