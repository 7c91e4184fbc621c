import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { KubeClusters } from '../../src/adapters/kube.ts';
import { kubeconfigFor } from '../../src/sandbox/kube/kubeconfig.ts';
import { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import { RdsSimulator } from '../../src/sandbox/rds/simulator.ts';
import { stopProcess } from '../support/child-processes.ts';
import { eventually } from '../support/eventually.ts';

// The tools a person already knows, against the sandbox's simulators: the real kubectl over TLS with
// the kubeconfig the sandbox writes, and the real AWS CLI against the RDS simulator. Each part is
// skipped, with the reason printed, only when its tool is not installed.
const run = promisify(execFile);
const IMAGE = 'registry.example.com/shop/checkout';

function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const kubectl = onPath('kubectl');
const aws = onPath('aws');
if (!kubectl) process.stderr.write('kubectl.test.ts: kubectl is not on PATH, so the kubectl tests are skipped\n');
if (!aws) process.stderr.write('kubectl.test.ts: aws is not on PATH, so the AWS CLI test is skipped\n');

(kubectl ? describe : describe.skip)('kubectl against the TLS kube simulator', () => {
  const sim = new KubeSimulator({ tls: true, podReadyMs: 20, secondMs: 10 });
  let dir = '';
  let kubeconfig = '';

  const k = async (...args: string[]) =>
    (
      await run(kubectl!, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir },
      })
    ).stdout;
  const shop = (...args: string[]) => k('--context', 'prod', '-n', 'shop', ...args);
  const image = () =>
    (sim.deployment('shop', 'checkout')?.spec as { template: { spec: { containers: { image: string }[] } } }).template
      .spec.containers[0]!.image;
  const rolledOut = (tag: string) =>
    eventually(
      () => {
        const status = sim.deployment('shop', 'checkout')?.status as Record<string, number> | undefined;
        expect(image()).toBe(`${IMAGE}:${tag}`);
        expect(status).toMatchObject({ updatedReplicas: 3, availableReplicas: 3, replicas: 3 });
      },
      { what: `checkout ${tag} rolled out` },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbot-kubectl-'));
    await sim.start();
    sim.addDeployment({ namespace: 'shop', name: 'checkout', container: 'app', image: `${IMAGE}:1.4.1`, replicas: 3 });
    sim.addService('shop', 'checkout', { app: 'checkout' });
    kubeconfig = kubeconfigFor([{ context: 'prod', server: sim.url, token: sim.token, ca: sim.ca }]);
    await writeFile(join(dir, 'kubeconfig'), kubeconfig);
    await rolledOut('1.4.1');
  });

  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves https with a CA that the kubeconfig carries, and refuses a client that does not trust it', async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kubeconfig).toContain('certificate-authority-data');
    expect(kubeconfig).not.toContain('insecure-skip-tls-verify');
    await expect(fetch(`${sim.url}/version`)).rejects.toMatchObject({
      cause: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    });
    expect(await k('version', '-o', 'json')).toContain('"gitVersion": "v1.32.0-ops-bot-sandbox"');
  });

  it('lists deployments, ReplicaSets and pods with the columns a real cluster shows', async () => {
    const text = await shop('get', 'deploy,rs,pods,svc');
    expect(text).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    expect(text).toMatch(/^deployment\.apps\/checkout\s+3\/3\s+3\s+3\s+\d+s$/m);
    expect(text).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
    expect(text).toMatch(/^replicaset\.apps\/checkout-[0-9a-f]{10}\s+3\s+3\s+3\s+\d+s$/m);
    expect(text).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(text.match(/^pod\/checkout-[0-9a-f]{10}-[0-9a-z]+\s+1\/1\s+Running\s+0\s+\d+s$/gm)).toHaveLength(3);
    expect(text).toMatch(/^service\/checkout\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+\d+s$/m);
    expect(await shop('get', 'deploy', 'checkout', '-o', 'wide')).toContain(`${IMAGE}:1.4.1`);
  });

  it('follows a rollout the bot made with its own client over TLS, then shows it in history and describe', async () => {
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    const bot = new KubeClusters(config).cluster('prod');
    await bot.setImage('shop', 'checkout', 'app', `${IMAGE}:1.4.2`, 'ops-bot: 1.4.2 by <@U0BOB>', { dryRun: false });

    expect(await shop('rollout', 'status', 'deploy/checkout', '--timeout', '30s')).toContain(
      'deployment "checkout" successfully rolled out',
    );
    expect(image()).toBe(`${IMAGE}:1.4.2`);
    const history = await shop('rollout', 'history', 'deploy/checkout');
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+ops-bot: 1\.4\.2 by <@U0BOB>$/m);

    const described = await shop('describe', 'deploy', 'checkout');
    expect(described).toMatch(/^Name:\s+checkout$/m);
    expect(described).toMatch(/^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    expect(described).toMatch(new RegExp(`^\\s+Image:\\s+${IMAGE}:1\\.4\\.2$`, 'm'));
    expect(described).toMatch(/^NewReplicaSet:\s+checkout-[0-9a-f]{10} \(3\/3 replicas created\)$/m);
    expect(described).toMatch(/^OldReplicaSets:\s+checkout-[0-9a-f]{10} \(0\/0 replicas created\)$/m);
    // The controller's own events on the Deployment, found by describe's involvedObject field selector.
    expect(described).toMatch(
      /^\s+Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled down replica set checkout-\w+ from 1 to 0$/m,
    );
  });

  it('rolls back with rollout undo, reusing the old ReplicaSet under the next revision, as a cluster does', async () => {
    const before = sim.store.list('ReplicaSet', 'shop').map((rs) => rs.metadata.name);
    expect(await shop('rollout', 'undo', 'deploy/checkout')).toContain('deployment.apps/checkout rolled back');
    await rolledOut('1.4.1');
    expect(sim.store.list('ReplicaSet', 'shop').map((rs) => rs.metadata.name)).toEqual(before);
    const history = await shop('rollout', 'history', 'deploy/checkout');
    expect(history).toMatch(/^2\s+ops-bot: 1\.4\.2 by <@U0BOB>$/m);
    expect(history).toMatch(/^3\s+<none>$/m);
    expect(history).not.toMatch(/^1\s/m);

    expect(await shop('rollout', 'undo', 'deploy/checkout', '--to-revision', '2')).toContain('rolled back');
    await rolledOut('1.4.2');
    expect(await shop('rollout', 'status', 'deploy/checkout', '--timeout', '30s')).toContain('successfully rolled out');
  });

  it('streams Table rows to kubectl get --watch, so each change prints with the same columns', async () => {
    const args = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache')];
    const watch = spawn(kubectl!, [...args, '--context', 'prod', '-n', 'shop', 'get', 'deploy', 'checkout', '-w'], {
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });
    let output = '';
    watch.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    watch.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const row = /^checkout\s+3\/3\s+3\s+3\s+\d+s$/gm;
    try {
      await eventually(() => expect(output).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m));
      await shop('annotate', 'deploy/checkout', 'example.com/looked-at=yes');
      await eventually(() => expect(output.match(row)?.length).toBeGreaterThanOrEqual(2), {
        what: 'a second Table row from the watch',
      });
    } finally {
      await stopProcess(watch);
    }
  });
});

const Snapshots = z.object({
  DBSnapshots: z.array(z.object({ DBSnapshotIdentifier: z.string(), DBInstanceIdentifier: z.string() })),
});

(aws ? describe : describe.skip)('the AWS CLI against the RDS simulator', () => {
  const rds = new RdsSimulator();
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbot-aws-'));
    await rds.start();
    rds.addInstance('orders-prod');
    rds.addSnapshot('rds:orders-prod-2026-11-01-03-00', 'orders-prod', { type: 'automated', ageMs: 86_400_000 });
  });

  afterAll(async () => {
    await rds.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the snapshots the simulator has with describe-db-snapshots and dummy credentials', async () => {
    const { stdout } = await run(
      aws!,
      ['rds', 'describe-db-snapshots', '--endpoint-url', rds.url, '--region', 'eu-west-1', '--output', 'json'],
      {
        // The caller's environment (pyenv's shim finds its Python through HOME), without their AWS profile.
        env: {
          ...process.env,
          AWS_PROFILE: undefined,
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_CONFIG_FILE: join(dir, 'config'),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        },
      },
    );
    expect(Snapshots.parse(JSON.parse(stdout)).DBSnapshots).toContainEqual(
      expect.objectContaining({
        DBSnapshotIdentifier: 'rds:orders-prod-2026-11-01-03-00',
        DBInstanceIdentifier: 'orders-prod',
      }),
    );
  });
});
