import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDatabase } from '../../src/adapters/pg-dump.ts';
import { redisOptions } from '../../src/adapters/redis.ts';
import { JOB_KINDS, type JobKind } from '../../src/jobs/kinds.ts';
import { kubeconfigFor } from '../../src/sandbox/kube/kubeconfig.ts';
import { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import type { SlackDriver } from '../../src/sandbox/slack/driver.ts';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { OpsProcess } from '../support/ops-process.ts';
import { PrivateRedis } from '../support/private-redis.ts';
import { POSTGRES_URL, databaseUrl, dropDatabase, uniqueName } from '../support/services.ts';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { chaosCatalog, seedDeployments } from './catalog.ts';

// Small enough that "Redis away for longer than the job lock" takes seconds, not minutes.
export const JOB_LOCK_MS = 1_500;
const PREFIX = 'opsbot-chaos';

export type Clusters = { staging: KubeSimulator; prod: KubeSimulator };

// The Redis the processes use: one private server by default, or a primary, a replica and sentinels.
export type ChaosRedis = { url: string; restart(downMs: number): Promise<void>; stop(): Promise<void> };

// The system as production runs it, in real processes: two ROLE=bot and two ROLE=worker ops-bot processes
// (src/main.ts) on a private AOF redis-server the suite can kill and restart, PostgreSQL reached through a
// TCP proxy the suite can cut and black-hole, and the Slack and Kubernetes simulators in the test process
// so a scenario reads what they recorded. One driver per bot replica plays Slack towards it.
export class ChaosCluster {
  readonly redis: ChaosRedis;
  readonly proxy: TcpProxy;
  readonly sim: SlackSimulator;
  readonly kube: Clusters;
  readonly database: string;
  readonly pool: pg.Pool;
  readonly bots: OpsProcess[] = [];
  workers: OpsProcess[] = [];
  // Every process the suite started, killed ones included: none may have crashed.
  readonly processes: OpsProcess[] = [];
  drivers: SlackDriver[] = [];
  readonly #env: Record<string, string>;
  readonly #dir: string;
  readonly #queues = new Map<JobKind, Queue>();
  #queueConnection: Redis | undefined;

  private constructor(parts: {
    redis: ChaosRedis;
    proxy: TcpProxy;
    sim: SlackSimulator;
    kube: Clusters;
    database: string;
    env: Record<string, string>;
    dir: string;
  }) {
    this.redis = parts.redis;
    this.proxy = parts.proxy;
    this.sim = parts.sim;
    this.kube = parts.kube;
    this.database = parts.database;
    this.#env = parts.env;
    this.#dir = parts.dir;
    this.pool = new pg.Pool({ connectionString: databaseUrl(parts.database), max: 2 });
  }

  // A `redis` handed in is the cluster's from then on: stop() stops it.
  static async start(options: { env?: Record<string, string>; redis?: ChaosRedis } = {}): Promise<ChaosCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'opsbot-chaos-'));
    const redis = options.redis ?? (await PrivateRedis.start());
    const postgres = new URL(POSTGRES_URL);
    const proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const proxyPort = await proxy.start();
    const database = uniqueName('opsbot_chaos');
    await createDatabase(POSTGRES_URL, database);
    const throughProxy = new URL(databaseUrl(database));
    throughProxy.port = String(proxyPort);
    const sim = new SlackSimulator({ token: BOT_TOKEN });
    await sim.start();
    const kube = {
      staging: new KubeSimulator({ podReadyMs: 60, secondMs: 10 }),
      prod: new KubeSimulator({ podReadyMs: 60, secondMs: 10 }),
    };
    await Promise.all([kube.staging.start(), kube.prod.start()]);
    seedDeployments(kube);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      kubeconfigFor([
        { context: 'staging', server: kube.staging.url, token: kube.staging.token },
        { context: 'prod', server: kube.prod.url, token: kube.prod.token },
      ]),
    );
    const catalog = join(dir, 'catalog.yml');
    await writeFile(catalog, chaosCatalog());
    const env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: sim.apiUrl,
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_PREFIX: PREFIX,
      DATABASE_URL: throughProxy.toString(),
      OPS_CATALOG: catalog,
      KUBECONFIG: kubeconfig,
      JOB_LOCK_MS: String(JOB_LOCK_MS),
      SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const cluster = new ChaosCluster({ redis, proxy, sim, kube, database, env, dir });
    try {
      await cluster.#startProcesses();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async #startProcesses(): Promise<void> {
    // The first one migrates the database alone; the other three start side by side.
    this.bots.push(await this.#spawn('bot'));
    const [bot, ...workers] = await Promise.all([this.#spawn('bot'), this.#spawn('worker'), this.#spawn('worker')]);
    this.bots.push(bot!);
    this.workers.push(...workers);
    this.drivers = this.bots.map((process) => this.sim.connectBot(process.url, SIGNING_SECRET));
  }

  async #spawn(role: 'bot' | 'worker'): Promise<OpsProcess> {
    const started = await OpsProcess.start(role, this.#env);
    this.processes.push(started);
    return started;
  }

  // A worker in place of one that was killed: the cluster keeps two.
  async replaceWorker(dead: OpsProcess): Promise<OpsProcess> {
    const fresh = await this.#spawn('worker');
    this.workers = [...this.workers.filter((worker) => worker !== dead), fresh];
    return fresh;
  }

  // The driver of the bot replica `index` (0 or 1): traffic is spread over both.
  driver(index: number): SlackDriver {
    return this.drivers[index % this.drivers.length]!;
  }

  // The job queues as the processes see them, read from the test: counts and jobs by state.
  queue(kind: JobKind): Queue {
    let queue = this.#queues.get(kind);
    if (!queue) {
      // Built as the processes build theirs, so a sentinel URL reaches whichever node is the primary.
      this.#queueConnection ??= new Redis({ ...redisOptions({ url: this.redis.url }), maxRetriesPerRequest: null });
      this.#queueConnection.on('error', () => undefined);
      queue = new Queue(kind, { connection: this.#queueConnection, prefix: PREFIX });
      // Redis restarts are the point of some scenarios; reads retry once it is back.
      queue.on('error', () => undefined);
      this.#queues.set(kind, queue);
    }
    return queue;
  }

  async jobIds(kind: JobKind): Promise<string[]> {
    const jobs = await this.queue(kind).getJobs(['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed']);
    return jobs.flatMap((job) => (job.id ? [job.id] : []));
  }

  // Every job of the kinds a request can enqueue (the worker schedules its own retention report).
  async totalJobs(): Promise<number> {
    let total = 0;
    for (const kind of Object.keys(JOB_KINDS) as JobKind[]) {
      if (kind === 'backup-retention') continue;
      const counts = await this.queue(kind).getJobCounts();
      total += Object.values(counts).reduce((sum, count) => sum + count, 0);
    }
    return total;
  }

  async auditRows(where = 'TRUE', values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.pool.query(`SELECT * FROM audit_events WHERE ${where} ORDER BY at, id`, values)).rows as Record<
      string,
      unknown
    >[];
  }

  // What each process said last: the first thing to read when a scenario fails.
  tails(lines = 30): string {
    return this.processes
      .map(
        (process) =>
          `--- ${process.role} pid ${process.pid}:\n${process.output().split('\n').slice(-lines).join('\n')}`,
      )
      .join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.kill()));
    await Promise.all([...this.#queues.values()].map((queue) => queue.close().catch(() => undefined)));
    this.#queueConnection?.disconnect();
    await this.pool.end().catch(() => undefined);
    this.kube.staging.slowDown(0);
    this.kube.prod.slowDown(0);
    await Promise.all([this.sim.stop(), this.kube.staging.stop(), this.kube.prod.stop()]);
    await this.proxy.stop();
    await this.redis.stop();
    await dropDatabase(this.database).catch(() => undefined);
    await rm(this.#dir, { recursive: true, force: true });
  }
}
