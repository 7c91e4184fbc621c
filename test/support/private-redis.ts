import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from './eventually.ts';

// A redis-server of the suite's own, with an append-only file fsynced on every write, on a port
// the OS picked: restarting it is "Redis restarted" for the processes using it, and nothing the
// machine's Redis holds is touched. AOF means what was acknowledged before the restart is there
// after it, as a production Redis with persistence behaves.
// A server's command line after the defaults: `--replicaof`, or a sentinel's config file.
export type RedisArgs = (dir: string, port: number) => string[];

export class PrivateRedis {
  readonly #dir: string;
  readonly #port: number;
  readonly #args: RedisArgs;
  #server: ChildProcess | undefined;

  private constructor(dir: string, port: number, args: RedisArgs) {
    this.#dir = dir;
    this.#port = port;
    this.#args = args;
  }

  // `prepare` runs once before the first start (a sentinel writes the config file it then rewrites).
  static async start(
    options: { args?: RedisArgs; prepare?: (dir: string, port: number) => Promise<void> } = {},
  ): Promise<PrivateRedis> {
    const redis = new PrivateRedis(
      await mkdtemp(join(tmpdir(), 'opsbot-redis-')),
      await freePort(),
      options.args ?? (() => []),
    );
    await options.prepare?.(redis.#dir, redis.#port);
    await redis.up();
    return redis;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const extra = this.#args(this.#dir, this.#port);
    // A sentinel is started from its config file, which must come first on the command line.
    const sentinel = extra.includes('--sentinel');
    const server = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      sentinel
        ? extra
        : [
            '--bind',
            '127.0.0.1',
            '--port',
            String(this.#port),
            '--dir',
            this.#dir,
            '--appendonly',
            'yes',
            '--appendfsync',
            'always',
            '--save',
            '',
            '--maxmemory-policy',
            'noeviction',
            ...extra,
          ],
      { stdio: 'ignore' },
    );
    this.#server = server;
    server.once('exit', () => {
      if (this.#server === server) this.#server = undefined;
    });
    await eventually(
      async () => {
        const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          // Still loading the AOF answers LOADING; a server that answers PING serves.
          if ((await client.ping()) !== 'PONG') throw new Error('no PONG');
        } finally {
          client.disconnect();
        }
      },
      { timeoutMs: 15_000, what: `redis-server on ${this.#port}` },
    );
  }

  // SIGKILL: what was fsynced to the AOF survives, as after a node dies.
  async down(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill(signal);
    await exited;
    this.#server = undefined;
  }

  async restart(downMs: number): Promise<void> {
    await this.down();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.up();
  }

  async stop(): Promise<void> {
    await this.down();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
