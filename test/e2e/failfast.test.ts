import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FailureMode } from '../../src/sandbox/kube/controller.ts';
import { auditRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Deploys whose new pods cannot start end at once, not at the progress deadline: every Deployment
// here has progressDeadlineSeconds and the catalog a timeout of 10 minutes (in real seconds), so
// neither can be what ended a rollout in these tests.
const REPO = 'registry.example.com/shop';
const TEN_MINUTES = 600;

type Case = { service: string; mode: FailureMode; reason: string };
const DOOMED: Case[] = [
  { service: 'pull', mode: 'ImagePullBackOff', reason: 'ImagePullBackOff' },
  { service: 'crash', mode: 'CrashLoopBackOff', reason: 'CrashLoopBackOff' },
  { service: 'config', mode: 'CreateContainerConfigError', reason: 'CreateContainerConfigError' },
  { service: 'cannotrun', mode: 'ContainerCannotRun', reason: 'ContainerCannotRun' },
  { service: 'unsched', mode: 'Unschedulable', reason: 'Unschedulable' },
];
const HEALTHY = ['slowok', 'patient'];

function serviceYaml(name: string, extra = ''): string {
  return `  ${name}:
    namespace: shop
    deployment: ${name}
    container: app
    image: ${REPO}/${name}
    environments: [staging]
    timeout: 10m${extra}
`;
}

const CATALOG = `environments:
  staging:
    context: staging
services:
${DOOMED.map((item) => serviceYaml(item.service, item.service === 'unsched' ? '\n    failFast: { unschedulableFor: 1s }' : '')).join('')}${serviceYaml('slowok')}${serviceYaml('patient', '\n    failFast: false')}roles:
  deploy: ["@engineers"]
  rollback: ["@engineers"]
  admin: ["@sre-leads"]
`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  // Real seconds for deadlines; pods take a moment to start, as on a cluster.
  stack.kube.staging.controller.setTiming({ secondMs: 1_000, podReadyMs: 250, podReadyJitter: 0.5 });
  for (const service of [...DOOMED.map((item) => item.service), ...HEALTHY])
    stack.kube.staging.addDeployment({
      namespace: 'shop',
      name: service,
      container: 'app',
      image: `${REPO}/${service}:1.0.0`,
      replicas: 3,
      progressDeadlineSeconds: service === 'patient' ? 3 : TEN_MINUTES,
    });
  await eventually(() => expect(stack.kube.staging.deployment('shop', 'patient')?.status?.availableReplicas).toBe(3));
});

afterAll(async () => {
  await stack.close();
});

function progressMessage(service: string, version: string) {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .find((message) => message.text.startsWith(`${service} ${version} to staging:`));
}

async function finished(service: string, version: string, outcome: string) {
  return eventually(
    () => {
      const message = progressMessage(service, version);
      if (!message?.text.startsWith(`${service} ${version} to staging: ${outcome}`))
        throw new Error(`message: ${message?.text}`);
      return message;
    },
    { timeoutMs: 25_000, what: `${service} ${version} ${outcome}` },
  );
}

// Everything the progress message showed, in order: its first post and every update.
function shownTexts(ts: string): string[] {
  return stack.sim.calls
    .filter((call) => (call.method === 'chat.postMessage' && call.result?.ts === ts) || call.args.ts === ts)
    .filter((call) => call.method === 'chat.postMessage' || call.method === 'chat.update')
    .map((call) => JSON.stringify(call.args.blocks ?? call.args.text));
}

function image(service: string): string | undefined {
  const spec = stack.kube.staging.deployment('shop', service)?.spec as
    { template: { spec: { containers: { image: string }[] } } } | undefined;
  return spec?.template.spec.containers[0]?.image;
}

describe('a deploy whose new pods cannot start', () => {
  it.each(DOOMED)('$reason ends the rollout at once and rolls back, naming the problem first', async (item) => {
    stack.kube.staging.failImage(`${REPO}/${item.service}:2.0.0-bad`, item.mode);
    await stack.slack.command('bob', `/deploy ${item.service} 2.0.0-bad to staging`);
    const message = await finished(item.service, '2.0.0-bad', 'failed and rolled back');

    expect(message.text).toContain(`the new pods cannot start: ${item.reason}`);
    expect(image(item.service)).toBe(`${REPO}/${item.service}:1.0.0`);
    const shown = shownTexts(message.ts);
    const namedAt = shown.findIndex((text) => text.includes(item.reason));
    const failedAt = shown.findIndex((text) => text.includes('— failed'));
    expect(namedAt).toBeGreaterThanOrEqual(0);
    expect(namedAt).toBeLessThan(failedAt);
    // The result row is written as the job ends, a moment after the final message.
    const rows = await eventually(async () => {
      const found = await auditRows(stack, "action = 'deploy.result' AND target = $1", [`${item.service}/staging`]);
      expect(found.map((row) => row.decision)).toEqual(['rolled-back']);
      return found;
    });
    expect(rows[0]!.reason).toContain(item.reason);
  });

  it("never counts the old pods as the new release's ready ones", async () => {
    stack.kube.staging.failImage(`${REPO}/pull:2.0.1-bad`, 'ImagePullBackOff');
    // A controller slow to see the new template (a busy control plane): until it does, the Deployment
    // still names the old release's revision, whose pods are all ready.
    stack.kube.staging.controller.setTiming({ observeMs: 1_000 });
    await stack.slack.command('bob', '/deploy pull 2.0.1-bad to staging');
    const message = await finished('pull', '2.0.1-bad', 'failed and rolled back').finally(() =>
      stack.kube.staging.controller.setTiming({ observeMs: 2 }),
    );
    const whileRolling = shownTexts(message.ts).filter((text) => text.includes('rolling out'));
    expect(whileRolling.length).toBeGreaterThan(0);
    for (const text of whileRolling) {
      expect(text).not.toMatch(/[1-9]\/3 ready/);
      expect(text).toMatch(/(new |`░+` )0\/3 ready/);
    }
  });
});

describe('/ops status of a failed deploy', () => {
  it('says how the change ended, not only that its job completed', async () => {
    const message = progressMessage('pull', '2.0.0-bad')!;
    const jobId = /job `(deploy-[0-9a-f]+)`/.exec(JSON.stringify(message.blocks))![1]!;
    await eventually(async () => {
      const answer = await stack.slack.command('bob', `/ops status ${jobId}`);
      expect(answer.json?.text).toBe(`Job ${jobId}: rolled back`);
      expect(JSON.stringify(answer.json?.blocks)).toContain('the new pods cannot start: ImagePullBackOff');
    });
  });
});

describe('a deploy that is slow but healthy', () => {
  it('is not failed when pods restart once and become ready after a while', async () => {
    stack.kube.staging.failImage(`${REPO}/slowok:2.0.0`, 'RestartOnce');
    stack.kube.staging.controller.setTiming({ podReadyMs: 1_500 });
    try {
      await stack.slack.command('bob', '/deploy slowok 2.0.0 to staging');
      const message = await finished('slowok', '2.0.0', 'succeeded');
      expect(image('slowok')).toBe(`${REPO}/slowok:2.0.0`);
      expect(shownTexts(message.ts).some((text) => /new [12]\/3 ready/.test(text))).toBe(true);
    } finally {
      stack.kube.staging.controller.setTiming({ podReadyMs: 250 });
    }
  });
});

describe('failFast: false', () => {
  it('waits for the progress deadline, as before', async () => {
    stack.kube.staging.failImage(`${REPO}/patient:2.0.0-bad`, 'ImagePullBackOff');
    await stack.slack.command('bob', '/deploy patient 2.0.0-bad to staging');
    const message = await finished('patient', '2.0.0-bad', 'failed and rolled back');
    expect(message.text).toContain('exceeded its progress deadline');
    expect(JSON.stringify(message.blocks)).toContain('ImagePullBackOff');
    expect(image('patient')).toBe(`${REPO}/patient:1.0.0`);
  });
});
