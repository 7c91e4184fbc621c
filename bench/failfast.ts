import type { FailureMode, FailureStep } from '../src/sandbox/kube/controller.ts';
import type { KubeSimulator } from '../src/sandbox/kube/simulator.ts';
import { eventually } from '../test/support/eventually.ts';
import { startStack, type Stack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// failfast: 30 failing deploys with mixed doomed reasons, timed from the moment the simulated kubelet
// first reports a doomed state of a new pod to (a) the rollback's PATCH arriving at the cluster and
// (b) the requester's @-mention in the message's thread; then 50 slow but healthy rollouts, which
// must all succeed. Deadlines are 10 real minutes, so only fail-fast can end a failing rollout.
const FAILING = Number(process.env.BENCH_FAILING ?? 30);
const HEALTHY = Number(process.env.BENCH_HEALTHY ?? 50);
const PARALLEL = 5;
const REPO = 'registry.example.com/shop';
const UNSCHEDULABLE_FOR_MS = 1_000;
const BOB = 'U0BOB00002';

// When a reported step makes the pod doomed by ops-bot's rules (core/pod-health.ts, restarts: 2).
const DOOMED_AT_STEP: Record<string, number> = {
  ImagePullBackOff: 1,
  CrashLoopBackOff: 3,
  CreateContainerConfigError: 1,
  ContainerCannotRun: 1,
  Unschedulable: 1,
};
const MODES = Object.keys(DOOMED_AT_STEP) as FailureMode[];
const SERVICES = Array.from({ length: PARALLEL }, (_, index) => `svc${index}`);

const CATALOG = `environments:
  staging:
    context: staging
services:
${SERVICES.map(
  (name) => `  ${name}:
    namespace: shop
    deployment: ${name}
    container: app
    image: ${REPO}/${name}
    environments: [staging]
    timeout: 10m
    failFast: { restarts: 2, unschedulableFor: ${UNSCHEDULABLE_FOR_MS / 1000}s }
`,
).join('')}roles:
  deploy: ["@engineers"]
  rollback: ["@engineers"]
`;

type Timing = { doomedAt?: number; rollbackAt?: number; mentionAt?: number };

function watchDoom(kube: KubeSimulator, timings: Map<string, Timing>): void {
  kube.controller.onFailureStep((step: FailureStep) => {
    const timing = timings.get(step.pod.replace(/-[0-9a-f]+-[0-9a-z]+$/, ''));
    if (!timing || step.step !== DOOMED_AT_STEP[step.mode]) return;
    const at = step.mode === 'Unschedulable' ? step.at + UNSCHEDULABLE_FOR_MS : step.at;
    timing.doomedAt = Math.min(timing.doomedAt ?? Infinity, at);
  });
}

// Real PATCHes of a Deployment (not the server-side dry runs of pre-flight), from the `from`-th request.
function patchesOf(kube: KubeSimulator, service: string, from: number) {
  return kube.requests
    .slice(from)
    .filter(
      (request) =>
        request.method === 'PATCH' && request.path.endsWith(`/deployments/${service}`) && !request.query.dryRun,
    );
}

async function failingDeploy(stack: Stack, service: string, index: number, timings: Map<string, Timing>) {
  const mode = MODES[index % MODES.length]!;
  const version = `2.0.${index}-bad`;
  stack.kube.staging.failImage(`${REPO}/${service}:${version}`, mode);
  const timing: Timing = {};
  timings.set(service, timing);
  const firstPatch = stack.kube.staging.requests.length;
  await stack.slack.command('bob', `/deploy ${service} ${version} to staging`);
  const mention = await eventually(
    () => {
      const found = stack.sim.calls.find(
        (call) =>
          call.method === 'chat.postMessage' &&
          call.args.thread_ts !== undefined &&
          String(call.args.text ?? '').includes(`<@${BOB}>`) &&
          String(call.args.text ?? '').includes(version),
      );
      if (!found) throw new Error(`${service} ${version} (${mode}): no mention yet`);
      return found;
    },
    { timeoutMs: 60_000 },
  );
  timing.mentionAt = mention.at;
  // The deploy's own PATCH, then the one that puts the start revision back.
  timing.rollbackAt = patchesOf(stack.kube.staging, service, firstPatch)[1]?.at;
  return { mode, timing: { ...timing } };
}

async function healthyDeploy(stack: Stack, service: string, index: number): Promise<boolean> {
  const version = `3.0.${index}`;
  stack.kube.staging.failImage(`${REPO}/${service}:${version}`, 'RestartOnce');
  await stack.slack.command('bob', `/deploy ${service} ${version} to staging`);
  const message = await eventually(
    () => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .find((candidate) => candidate.text.startsWith(`${service} ${version} to staging: `));
      const text = found?.text ?? '';
      if (!/: (succeeded|failed|cancelled)/.test(text)) throw new Error('still rolling out');
      return text;
    },
    { timeoutMs: 60_000 },
  );
  return message.includes(': succeeded');
}

async function inParallel<T>(count: number, run: (service: string, index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  await Promise.all(
    SERVICES.map(async (service, lane) => {
      for (let index = lane; index < count; index += SERVICES.length) results.push(await run(service, index));
    }),
  );
  return results;
}

export async function failfastBenchmark(): Promise<void> {
  const stack = await startStack({ catalogYaml: CATALOG, env: { LOG_LEVEL: 'warn' } });
  try {
    const kube = stack.kube.staging;
    kube.controller.setTiming({ secondMs: 1_000, podReadyMs: 400, podReadyJitter: 1 });
    for (const service of SERVICES)
      kube.addDeployment({
        namespace: 'shop',
        name: service,
        container: 'app',
        image: `${REPO}/${service}:1.0.0`,
        replicas: 3,
        progressDeadlineSeconds: 600,
      });
    const timings = new Map<string, Timing>();
    watchDoom(kube, timings);
    const failing = await inParallel(FAILING, (service, index) => failingDeploy(stack, service, index, timings));
    kube.controller.setTiming({ podReadyMs: 1_500, podReadyJitter: 1 });
    const healthy = await inParallel(HEALTHY, (service, index) => healthyDeploy(stack, service, index));
    const toRollback = failing.map(({ timing }) => timing.rollbackAt! - timing.doomedAt!).filter(Number.isFinite);
    const toMention = failing.map(({ timing }) => timing.mentionAt! - timing.doomedAt!).filter(Number.isFinite);
    const rollback = summarize(toRollback);
    const mention = summarize(toMention);
    await report(
      'failfast',
      {
        doomed_to_rollback_p50_ms: round(rollback.p50),
        doomed_to_rollback_p99_ms: round(rollback.p99),
        doomed_to_mention_p50_ms: round(mention.p50),
        doomed_to_mention_p99_ms: round(mention.p99),
        failing_deploys_measured: toRollback.length,
        healthy_false_failures: healthy.filter((succeeded) => !succeeded).length,
        healthy_rollouts: healthy.length,
      },
      {
        reasons: MODES.join(', '),
        health_poll_ms: 750,
        progress_deadline: '600 s (real), catalog timeout 10m',
        unschedulable_for_ms: UNSCHEDULABLE_FOR_MS,
      },
    );
  } finally {
    await stack.close();
  }
}
