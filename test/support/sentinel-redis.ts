import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from './eventually.ts';
import { PrivateRedis } from './private-redis.ts';

export const MASTER_NAME = 'opsbot';

// Highly available Redis as a production team runs it, on ports the OS picked: a primary, a replica
// following it, and three sentinels (quorum 2) watching them. Sentinel notices a dead primary after
// DOWN_AFTER_MS and promotes the replica; ops-bot finds the new primary by asking the sentinels.
// Each data node is a PrivateRedis (AOF, fsync always), so SIGKILL is a node lost, not a clean stop.
// The benchmark (bench/failover.ts) also runs it with Sentinel's default-like 5000 ms.
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 3_000;

export type SentinelTiming = { downAfterMs?: number; failoverTimeoutMs?: number };

export class SentinelRedis {
  readonly sentinels: PrivateRedis[];
  #primary: PrivateRedis;
  #replica: PrivateRedis;

  private constructor(primary: PrivateRedis, replica: PrivateRedis, sentinels: PrivateRedis[]) {
    this.#primary = primary;
    this.#replica = replica;
    this.sentinels = sentinels;
  }

  static async start(timing: SentinelTiming = {}): Promise<SentinelRedis> {
    const primary = await PrivateRedis.start();
    const replica = await PrivateRedis.start({ args: () => ['--replicaof', '127.0.0.1', String(primary.port)] });
    const sentinels: PrivateRedis[] = [];
    try {
      for (let index = 0; index < 3; index += 1)
        sentinels.push(
          await PrivateRedis.start({
            prepare: (dir, port) =>
              writeFile(join(dir, 'sentinel.conf'), sentinelConfig(dir, port, primary.port, timing)),
            args: (dir) => [join(dir, 'sentinel.conf'), '--sentinel'],
          }),
        );
      const topology = new SentinelRedis(primary, replica, sentinels);
      await topology.#settled();
      return topology;
    } catch (error) {
      await Promise.all([primary, replica, ...sentinels].map((node) => node.stop()));
      throw error;
    }
  }

  // What ops-bot is given: the sentinels and the master name, never a data node's address.
  get url(): string {
    return `redis+sentinel://${this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',')}/${MASTER_NAME}`;
  }

  get primaryPort(): number {
    return this.#primary.port;
  }

  // The replica has the primary's data and every sentinel sees the replica and the two other
  // sentinels: before that, a dead primary could not be replaced.
  async #settled(): Promise<void> {
    await eventually(
      async () => {
        const replication = await askNode(this.#replica.port, 'INFO', 'replication');
        if (!String(replication).includes('master_link_status:up')) throw new Error('the replica is not in sync');
        for (const sentinel of this.sentinels) {
          const fields = toRecord(await askNode(sentinel.port, 'SENTINEL', 'MASTER', MASTER_NAME));
          if (fields['num-slaves'] !== '1' || fields['num-other-sentinels'] !== '2')
            throw new Error(
              `sentinel ${sentinel.port} sees ${fields['num-slaves']} replicas, ${fields['num-other-sentinels']} sentinels`,
            );
          // A replica a sentinel still flags as down (a node brought back) would not be promoted.
          const replicas = (await askNode(sentinel.port, 'SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
          const flags = toRecord(replicas[0]).flags ?? '';
          if (flags !== 'slave') throw new Error(`sentinel ${sentinel.port} flags the replica ${flags}`);
        }
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the replica and the sentinels to know each other' },
    );
  }

  // SIGKILL on the primary: a node lost. What the replica had not yet received is lost with it.
  async killPrimary(): Promise<void> {
    await this.#primary.down('SIGKILL');
  }

  // The sentinels agree the replica is the primary now, and the replica says so itself.
  async promoted(): Promise<void> {
    await eventually(
      async () => {
        for (const sentinel of this.sentinels) {
          const address = (await askNode(
            sentinel.port,
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            MASTER_NAME,
          )) as string[];
          if (Number(address[1]) !== this.#replica.port)
            throw new Error(`sentinel ${sentinel.port} names ${address[1]}`);
        }
        const role = (await askNode(this.#replica.port, 'ROLE')) as unknown[];
        if (role[0] !== 'master') throw new Error(`the replica is still a ${String(role[0])}`);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the sentinels to promote the replica' },
    );
    [this.#primary, this.#replica] = [this.#replica, this.#primary];
  }

  // The node lost in a failover, started again from its AOF: it comes back claiming to be a primary,
  // the sentinels make it a replica of the new one, and once it is in sync a second failover can happen.
  async reviveReplica(): Promise<void> {
    await this.#replica.up();
    await this.#settled();
  }

  // The chaos suite's other scenarios restart "Redis": here that is the primary, brought back as it was
  // (after a failover it comes back as the replica the sentinels make of it).
  async restart(downMs: number): Promise<void> {
    await this.#primary.restart(downMs);
  }

  async stop(): Promise<void> {
    await Promise.all([this.#primary, this.#replica, ...this.sentinels].map((node) => node.stop()));
  }
}

function sentinelConfig(dir: string, port: number, primaryPort: number, timing: SentinelTiming): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${timing.downAfterMs ?? DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${MASTER_NAME} ${timing.failoverTimeoutMs ?? FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
    '',
  ].join('\n');
}

async function askNode(port: number, ...command: string[]): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(command[0]!, ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

function toRecord(flat: unknown): Record<string, string> {
  const list = Array.isArray(flat) ? flat.map(String) : [];
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < list.length; index += 2) record[list[index]!] = list[index + 1]!;
  return record;
}
