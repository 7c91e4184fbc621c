import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { OpsProcess, type Role } from '../../test/support/ops-process.ts';
import {
  REDIS_URL,
  POSTGRES_URL,
  databaseUrl,
  deleteRedisPrefix,
  dropDatabase,
  uniqueName,
} from '../../test/support/services.ts';
import { writeBenchCatalog } from './catalog.ts';
import { startChild } from './child-server.ts';

export const BENCH_SECRET = 'bench-signing-secret';
export const BENCH_TOKEN = 'xoxb-bench-token';

export type SlackSimInfo = { url: string; apiUrl: string; control: string; sink: string };
export type KubeSimInfo = { kubeconfig: string; control: string };

type Child = { stop(): Promise<unknown>; child: { pid?: number | undefined } };

// ops-bot as production runs it: each role its own process through src/main.ts (info-level JSON logs,
// production Slack retry settings), the Slack and Kubernetes simulators in processes of their own, a
// fresh database and Redis prefix. What the benchmark process itself runs is the load and the clock.
export class Fleet {
  readonly slack: SlackSimInfo;
  readonly kube: KubeSimInfo;
  readonly database: string;
  readonly prefix: string;
  readonly redisUrl: string;
  readonly #catalog: string;
  readonly #children: Child[];
  readonly processes: OpsProcess[] = [];

  private constructor(
    parts: { slack: SlackSimInfo; kube: KubeSimInfo; catalog: string; redisUrl: string },
    children: Child[],
  ) {
    this.slack = parts.slack;
    this.kube = parts.kube;
    this.#catalog = parts.catalog;
    this.redisUrl = parts.redisUrl;
    this.#children = children;
    this.database = uniqueName('opsbot_bench');
    this.prefix = uniqueName('opsbot-bench');
  }

  static async start(options: { services: string[]; redisUrl?: string; podReadyMs?: number }): Promise<Fleet> {
    const slack = await startChild<SlackSimInfo>('../servers/slack-sim.ts', {
      BENCH_SECRET,
      BENCH_SLACK_TOKEN: BENCH_TOKEN,
    });
    const kube = await startChild<KubeSimInfo>('../servers/kube-sim.ts', {
      BENCH_KUBE_SERVICES: options.services.join(','),
      BENCH_KUBE_POD_READY_MS: String(options.podReadyMs ?? 50),
    }).catch(async (error: unknown) => {
      await slack.stop();
      throw error;
    });
    const catalog = await writeBenchCatalog(options.services);
    return new Fleet({ slack: slack.info, kube: kube.info, catalog, redisUrl: options.redisUrl ?? REDIS_URL }, [
      slack,
      kube,
    ]);
  }

  // Process ids by what they are, for CPU accounting.
  async pids(): Promise<Record<string, number[]>> {
    const of = (role: Role) => this.processes.filter((process) => process.role === role).map((process) => process.pid);
    return {
      bots: of('bot'),
      workers: of('worker'),
      'bot+worker': of('all'),
      'simulators (Slack, Kubernetes)': this.#children.map((child) => child.child.pid ?? 0),
      'load generator (this process)': [process.pid],
      ...(await servicePids(this.redisUrl, this.database)),
    };
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: BENCH_TOKEN,
      SLACK_SIGNING_SECRET: BENCH_SECRET,
      SLACK_API_URL: this.slack.apiUrl,
      HOST: '127.0.0.1',
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: this.prefix,
      DATABASE_URL: databaseUrl(this.database),
      OPS_CATALOG: this.#catalog,
      KUBECONFIG: this.kube.kubeconfig,
      LOG_LEVEL: 'info',
      ...extra,
    };
  }

  // One at a time: the first creates the database and runs the migrations.
  async spawn(roles: Role[], extra: Record<string, string> = {}): Promise<OpsProcess[]> {
    const started: OpsProcess[] = [];
    for (const role of roles) {
      const process = await OpsProcess.start(role, { ...this.env(extra), ...profiling(role) });
      this.processes.push(process);
      started.push(process);
    }
    return started;
  }

  async control<T>(sim: 'slack' | 'kube', route: string, body: unknown = {}): Promise<T> {
    const base = sim === 'slack' ? this.slack.control : this.kube.control;
    const answer = await fetch(`${base}/${route}`, { method: 'POST', body: JSON.stringify(body) });
    if (!answer.ok) throw new Error(`${sim} control ${route} answered ${answer.status}: ${await answer.text()}`);
    return (await answer.json()) as T;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.stop().catch(() => process.kill())));
    await Promise.all(this.#children.map((child) => child.stop()));
    await dropDatabase(this.database).catch(() => undefined);
    await deleteRedisPrefix(this.prefix).catch(() => undefined);
    await rm(dirname(this.#catalog), { recursive: true, force: true });
  }
}

// BENCH_FAULTS_PROFILE=<dir>: the bot processes write V8 CPU profiles there when they exit.
function profiling(role: Role): Record<string, string> {
  const dir = process.env.BENCH_FAULTS_PROFILE;
  return dir && role !== 'worker' ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` } : {};
}

// Redis (its INFO names its pid) and the PostgreSQL backends serving the fleet's database.
async function servicePids(redisUrl: string, database: string): Promise<Record<string, number[]>> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await redis.connect();
    const info = await redis.info('server');
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      database,
    ]);
    return {
      'redis-server': [Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0)],
      'postgres (our backends)': rows.map((row) => row.pid),
    };
  } catch {
    return {};
  } finally {
    redis.disconnect();
    await client.end().catch(() => undefined);
  }
}
