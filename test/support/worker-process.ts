import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFor } from '../../src/sandbox/kube/kubeconfig.ts';
import { IMAGE } from './approvals.ts';
import { testCatalog } from './catalogs.ts';
import { SpawnedProcesses } from './child-processes.ts';
import { eventually } from './eventually.ts';
import { REDIS_URL } from './services.ts';
import { BOT_TOKEN, SIGNING_SECRET, startStack, type Stack } from './stack.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

// Workers in their own processes, as production runs them (ROLE=worker), sharing a stack's Slack
// simulator, Redis prefix and database: what crash tests kill and replace.
export class WorkerProcesses {
  readonly #spawned = new SpawnedProcesses();
  readonly #env: Record<string, string>;

  private constructor(env: Record<string, string>) {
    this.#env = env;
  }

  static async for(stack: Stack, catalogYaml: string, extra: Record<string, string> = {}): Promise<WorkerProcesses> {
    const catalog = join(await mkdtemp(join(tmpdir(), 'opsbot-worker-')), 'catalog.yml');
    await writeFile(catalog, catalogYaml);
    return new WorkerProcesses({
      ROLE: 'worker',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: stack.sim.apiUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      REDIS_URL,
      REDIS_PREFIX: stack.prefix,
      DATABASE_URL: stack.databaseUrl,
      OPS_CATALOG: catalog,
      JOB_LOCK_MS: '1500',
      LOG_LEVEL: 'warn',
      ...extra,
    });
  }

  start(): ChildProcess {
    return this.#spawned.track(
      spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...this.#env },
        stdio: 'ignore',
      }),
    );
  }

  killAll(): Promise<void> {
    return this.#spawned.stopAll();
  }
}

// The bot in process (ROLE=bot, a short job lock) and workers it can start and kill as processes, on a
// kubeconfig naming the stack's clusters; staging runs checkout 1.0.0 on 4 ready pods, with a progress
// deadline long enough that only the test ends a rollout.
export async function stackWithWorkerProcesses(): Promise<{ stack: Stack; workers: WorkerProcesses }> {
  const stack = await startStack({ catalogYaml: testCatalog(), env: { ROLE: 'bot', JOB_LOCK_MS: '1500' } });
  const kubeconfig = join(await mkdtemp(join(tmpdir(), 'opsbot-kube-')), 'kubeconfig');
  await writeFile(
    kubeconfig,
    kubeconfigFor([
      { context: 'staging', server: stack.kube.staging.url, token: stack.kube.staging.token },
      { context: 'prod', server: stack.kube.prod.url, token: stack.kube.prod.token },
    ]),
  );
  const workers = await WorkerProcesses.for(stack, testCatalog(), { KUBECONFIG: kubeconfig });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 4,
    progressDeadlineSeconds: 6_000,
  });
  await eventually(() => {
    const status = stack.kube.staging.deployment('shop', 'checkout')!.status as { availableReplicas?: number };
    if (status.availableReplicas !== 4) throw new Error(`checkout has ${status.availableReplicas ?? 0} of 4 ready`);
  });
  return { stack, workers };
}
