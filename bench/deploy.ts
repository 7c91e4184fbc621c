import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFor } from '../src/sandbox/kube/kubeconfig.ts';
import type { KubeObject } from '../src/sandbox/kube/store.ts';
import { eventually } from '../test/support/eventually.ts';
import { REDIS_URL } from '../test/support/services.ts';
import { BOT_TOKEN, SIGNING_SECRET, startStack, type Stack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// deploy: (1) rollout complete in the cluster → final Slack message, (2) Web API calls of a rollout
// that lasts 5 simulated minutes, (3) 50 concurrent deploys of 50 services on 2 worker processes.
const SEQUENTIAL = Number(process.env.BENCH_DEPLOY_SEQUENTIAL ?? 50);
const CONCURRENT = Number(process.env.BENCH_DEPLOY_CONCURRENT ?? 50);
const IMAGE = 'registry.example.com/shop/svc';

function catalog(services: number): string {
  const entries = Array.from(
    { length: services },
    (_, index) => `  svc${index}:
    namespace: shop
    deployment: svc${index}
    container: app
    image: ${IMAGE}${index}
    environments: [staging]
    timeout: 5m`,
  ).join('\n');
  return `environments:\n  staging:\n    context: staging\nservices:\n${entries}\nroles:\n  deploy: ["@engineers"]\n`;
}

const complete = (object: KubeObject) => {
  const status = object.status as
    | { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number }
    | undefined;
  const replicas = Number((object.spec as { replicas?: number }).replicas ?? 0);
  return (
    status?.observedGeneration === object.metadata.generation &&
    status?.updatedReplicas === replicas &&
    status?.availableReplicas === replicas &&
    status?.replicas === replicas
  );
};

function finalMessageAt(stack: Stack, text: string): number | undefined {
  return stack.sim.calls.find((call) => call.method === 'chat.update' && String(call.args.text).startsWith(text))?.at;
}

async function completionToMessage(): Promise<{ p50: number; p99: number; callsPerDeploy: number }> {
  const stack = await startStack({ catalogYaml: catalog(1), env: { LOG_LEVEL: 'warn' } });
  try {
    const sim = stack.kube.staging;
    sim.addDeployment({ namespace: 'shop', name: 'svc0', container: 'app', image: `${IMAGE}0:1.0.0`, replicas: 3 });
    const completedAt = new Map<number, number>();
    let generation = 0;
    sim.store.subscribe((event) => {
      if (
        event.object.kind === 'Deployment' &&
        event.object.metadata.name === 'svc0' &&
        complete(event.object) &&
        !completedAt.has(event.object.metadata.generation ?? 0)
      )
        completedAt.set(event.object.metadata.generation ?? 0, Date.now());
    });
    const latencies: number[] = [];
    for (let index = 1; index <= SEQUENTIAL; index += 1) {
      await stack.slack.command('bob', `/deploy svc0 1.0.${index} to staging`);
      generation += 1;
      const at = await eventually(
        () => {
          const found = finalMessageAt(stack, `svc0 1.0.${index} to staging: succeeded`);
          if (!found) throw new Error('not yet');
          return found;
        },
        { timeoutMs: 30_000 },
      );
      latencies.push(at - completedAt.get(generation + 1)!);
    }
    // 10 pods ready one by one over about 5 simulated minutes (1 simulated second = 5 ms here).
    await eventually(async () => {
      if ((await stack.bot.queues.queue('deploy').getActiveCount()) !== 0) throw new Error('busy');
    });
    await stack.bot.close();
    return { ...summarize(latencies), callsPerDeploy: await rolloutCalls() };
  } finally {
    await stack.close().catch(() => undefined);
  }
}

async function rolloutCalls(): Promise<number> {
  const stack = await startStack({ catalogYaml: catalog(1), env: { LOG_LEVEL: 'warn' }, progressIntervalMs: 5 });
  try {
    stack.kube.staging.addDeployment({
      namespace: 'shop',
      name: 'svc0',
      container: 'app',
      image: `${IMAGE}0:1.0.0`,
      replicas: 10,
    });
    await eventually(() => {
      if (!complete(stack.kube.staging.deployment('shop', 'svc0')!)) throw new Error('settling');
    });
    stack.kube.staging.controller.setTiming({ podReadyMs: 300, podReadyJitter: 0.5 });
    const before = stack.sim.lastSeq;
    await stack.slack.command('bob', '/deploy svc0 2.0.0 to staging');
    await eventually(
      () => {
        if (!finalMessageAt(stack, 'svc0 2.0.0 to staging: succeeded')) throw new Error('not yet');
      },
      { timeoutMs: 30_000 },
    );
    return stack.sim.callsSince(before).filter((call) => call.method !== 'response_url').length;
  } finally {
    await stack.close();
  }
}

async function concurrentDeploys(): Promise<{ wall: number; p99: number; completed: number }> {
  const yaml = catalog(CONCURRENT);
  const stack = await startStack({ catalogYaml: yaml, env: { ROLE: 'bot', LOG_LEVEL: 'warn' } });
  const workers: ChildProcess[] = [];
  try {
    const dir = await mkdtemp(join(tmpdir(), 'opsbot-bench-'));
    await writeFile(join(dir, 'catalog.yml'), yaml);
    await writeFile(
      join(dir, 'kubeconfig'),
      kubeconfigFor([{ context: 'staging', server: stack.kube.staging.url, token: stack.kube.staging.token }]),
    );
    for (let index = 0; index < CONCURRENT; index += 1)
      stack.kube.staging.addDeployment({
        namespace: 'shop',
        name: `svc${index}`,
        container: 'app',
        image: `${IMAGE}${index}:1.0.0`,
        replicas: 2,
      });
    await eventually(
      () => {
        if (!stack.kube.staging.store.list('Deployment', 'shop').every(complete)) throw new Error('settling');
      },
      { timeoutMs: 30_000 },
    );
    stack.kube.staging.controller.setTiming({ podReadyMs: 200, podReadyJitter: 0.5 });
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ROLE: 'worker',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: stack.sim.apiUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      REDIS_URL,
      REDIS_PREFIX: stack.prefix,
      DATABASE_URL: stack.databaseUrl,
      OPS_CATALOG: join(dir, 'catalog.yml'),
      KUBECONFIG: join(dir, 'kubeconfig'),
      LOG_LEVEL: 'warn',
    };
    for (let index = 0; index < 2; index += 1)
      workers.push(
        spawn(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname], { env, stdio: 'ignore' }),
      );
    await eventually(
      async () => {
        if ((await stack.bot.queues.queue('deploy').getWorkers()).length < 2) throw new Error('workers starting');
      },
      { timeoutMs: 20_000 },
    );
    const started = Date.now();
    const sent = new Map<number, number>();
    // Each from its own team channel: Slack paces messages per channel (about 1 a second), and 50
    // deploys announced in one channel would measure that pace, not ops-bot.
    for (let index = 0; index < CONCURRENT; index += 1)
      stack.sim.workspace.addChannel(`team-${index}`, { members: ['U0BOB00002', stack.sim.workspace.botUserId] });
    await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, index) => {
        sent.set(index, Date.now());
        await stack.slack.command('bob', `/deploy svc${index} 2.0.0 to staging`, { channel: `team-${index}` });
      }),
    );
    const done = await eventually(
      () => {
        const times = Array.from({ length: CONCURRENT }, (_, index) =>
          finalMessageAt(stack, `svc${index} 2.0.0 to staging: succeeded`),
        );
        if (times.some((time) => time === undefined))
          throw new Error(`${times.filter(Boolean).length} of ${CONCURRENT} done`);
        return times as number[];
      },
      { timeoutMs: 120_000 },
    );
    const perDeploy = done.map((time, index) => time - sent.get(index)!);
    return { wall: Math.max(...done) - started, p99: summarize(perDeploy).p99, completed: done.length };
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await stack.close();
  }
}

export async function deployBenchmark(): Promise<void> {
  const first = await completionToMessage();
  const concurrent = await concurrentDeploys();
  await report(
    'deploy',
    {
      completion_to_message_p50_ms: round(first.p50),
      completion_to_message_p99_ms: round(first.p99),
      web_api_calls_per_deploy: first.callsPerDeploy,
      concurrent50_wall_ms: concurrent.wall,
      concurrent50_p99_ms: round(concurrent.p99),
      concurrent50_completed: concurrent.completed,
    },
    {
      completion: `${SEQUENTIAL} sequential rolling deploys: cluster status complete → final chat.update received by the Slack simulator`,
      web_api_calls:
        '10 replicas ready one by one over ~5 simulated minutes (1 simulated s = 5 ms), progress interval 1 simulated s',
      concurrent: `${CONCURRENT} services, 2 replicas each, each deployed from its own channel, 2 worker processes (ROLE=worker), bot in-process (ROLE=bot); per deploy: command sent → final message`,
    },
  );
}
