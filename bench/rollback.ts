import type { KubeObject } from '../src/sandbox/kube/store.ts';
import { eventually } from '../test/support/eventually.ts';
import { startStack, type Stack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// rollback: from the HTTP request of the approval that lets a production rollback run, to the
// previous revision fully available in the cluster (pods ready at once), over N rollbacks.
const ROLLBACKS = Number(process.env.BENCH_ROLLBACKS ?? 50);
const IMAGE = 'registry.example.com/shop/checkout';
const CATALOG = `environments:
  production:
    context: prod
    approval: none
    rollbackApproval: { approvers: ["@sre-leads"], required: 1, expires: 15m }
services:
  checkout: { namespace: shop, deployment: checkout, container: app, image: ${IMAGE}, environments: [production], autoRollback: false }
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers"]
`;

const available = (object: KubeObject) => {
  const status = object.status as
    | { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number }
    | undefined;
  const replicas = Number((object.spec as { replicas?: number }).replicas ?? 0);
  return (
    status?.observedGeneration === object.metadata.generation &&
    status?.updatedReplicas === replicas &&
    status?.availableReplicas === replicas &&
    status?.replicas === replicas
  );
};

async function idle(stack: Stack) {
  await eventually(
    async () => {
      if (
        (await stack.bot.queues.queue('deploy').getActiveCount()) +
          (await stack.bot.queues.queue('rollback').getActiveCount()) >
        0
      )
        throw new Error('busy');
    },
    { timeoutMs: 30_000 },
  );
}

export async function rollbackBenchmark(): Promise<void> {
  const stack = await startStack({ catalogYaml: CATALOG, env: { LOG_LEVEL: 'warn' } });
  const latencies: number[] = [];
  let errors = 0;
  try {
    const sim = stack.kube.prod;
    sim.controller.setTiming({ podReadyMs: 1 });
    sim.addDeployment({ namespace: 'shop', name: 'checkout', container: 'app', image: `${IMAGE}:1.0.0`, replicas: 3 });
    let availableAt: { image: string; at: number } | undefined;
    sim.store.subscribe((event) => {
      if (event.object.kind !== 'Deployment' || !available(event.object)) return;
      const image = (event.object.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0]!.image;
      if (availableAt?.image !== image) availableAt = { image, at: Date.now() };
    });
    for (let index = 1; index <= ROLLBACKS; index += 1) {
      try {
        const previous = `1.0.${index - 1}`;
        await stack.slack.command('bob', `/deploy checkout 1.0.${index} to production`);
        await eventually(() => {
          if (availableAt?.image !== `${IMAGE}:1.0.${index}`) throw new Error('deploying');
        });
        await idle(stack);
        await stack.slack.command('bob', '/rollback checkout production');
        const request = await eventually(() => {
          const found = stack.sim.workspace
            .channelMessages('C0DEPLOYS01')
            .filter((message) => message.text.startsWith(':lock: roll back checkout'))
            .at(-1);
          if (!found || !JSON.stringify(found.blocks).includes('approval_approve')) throw new Error('no request');
          return found;
        });
        const sent = Date.now();
        await stack.slack.click('carol', { messageTs: request.ts, actionId: 'approval_approve' });
        await eventually(
          () => {
            if (availableAt?.image !== `${IMAGE}:${previous}` || availableAt.at < sent) throw new Error('rolling back');
          },
          { timeoutMs: 20_000 },
        );
        latencies.push(availableAt!.at - sent);
        await idle(stack);
        // The next deploy goes on from what runs now.
        await stack.slack.command('bob', `/deploy checkout 1.0.${index} to production`);
        await eventually(() => {
          if (availableAt?.image !== `${IMAGE}:1.0.${index}`) throw new Error('redeploying');
        });
        await idle(stack);
      } catch (error) {
        errors += 1;
        process.stderr.write(`rollback bench ${index}: ${(error as Error).message}\n`);
      }
    }
  } finally {
    await stack.close();
  }
  const stats = summarize(latencies);
  await report(
    'rollback',
    { p50_ms: round(stats.p50), p99_ms: round(stats.p99), max_ms: round(stats.max), rollbacks: stats.n, errors },
    {
      measured:
        'approval HTTP request sent → previous revision fully available in the simulated cluster (pods ready in 1 ms)',
    },
  );
}
