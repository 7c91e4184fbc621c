import { podProblems } from '../../src/core/pod-health.ts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeError, type KubeCluster } from '../../src/adapters/kube.ts';
import { imageOf, rolloutVerdict } from '../../src/core/rollout.ts';
import { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import { eventually } from '../support/eventually.ts';
import { clustersFor } from '../support/kube.ts';

const sim = new KubeSimulator({ podReadyMs: 5, secondMs: 2 });
let cluster: KubeCluster;
const IMAGE = 'registry.example.com/shop/checkout';

async function settled(name: string) {
  return eventually(async () => {
    const state = (await cluster.readDeployment('shop', name))!;
    expect(rolloutVerdict(state).state).not.toBe('waiting');
    return state;
  });
}

beforeAll(async () => {
  await sim.start();
  cluster = clustersFor({ prod: sim }).cluster('prod');
  sim.addDeployment({ namespace: 'shop', name: 'checkout', container: 'app', image: `${IMAGE}:1.0.0`, replicas: 3 });
});

afterAll(async () => {
  await sim.stop();
});

describe('the Kubernetes simulator through client-node', () => {
  it('rolls a new Deployment out to revision 1', async () => {
    const state = await settled('checkout');
    expect(rolloutVerdict(state)).toEqual({ state: 'complete', message: '3 of 3 replicas available' });
    expect(state.revision).toBe(1);
    expect(imageOf(state, 'app')).toBe(`${IMAGE}:1.0.0`);
  });

  it('answers a server-side dry run without changing anything, over strategic merge patch', async () => {
    const before = (await cluster.readDeployment('shop', 'checkout'))!;
    const dry = await cluster.setImage('shop', 'checkout', 'app', `${IMAGE}:1.1.0`, 'dry', { dryRun: true });
    expect(imageOf(dry, 'app')).toBe(`${IMAGE}:1.1.0`);
    expect(imageOf((await cluster.readDeployment('shop', 'checkout'))!, 'app')).toBe(`${IMAGE}:1.0.0`);
    expect((await cluster.readDeployment('shop', 'checkout'))!.resourceVersion).toBe(before.resourceVersion);
    const patch = sim.requests.filter((request) => request.method === 'PATCH').at(-1)!;
    expect(patch).toMatchObject({
      contentType: 'application/strategic-merge-patch+json',
      query: { dryRun: 'All', fieldManager: 'ops-bot' },
    });
  });

  it('patches the image, records the change cause on the new ReplicaSet, and a watch sees it complete', async () => {
    const start = (await cluster.readDeployment('shop', 'checkout'))!;
    const seen: string[] = [];
    const watching = await cluster.watchDeployment(
      start,
      start.resourceVersion,
      (state) => seen.push(rolloutVerdict(state).state),
      () => undefined,
    );
    await cluster.setImage('shop', 'checkout', 'app', `${IMAGE}:1.1.0`, 'ops-bot: 1.1.0 by <@U1> — test', {
      dryRun: false,
    });
    await eventually(() => expect(seen.at(-1)).toBe('complete'));
    watching.abort();
    expect(seen).toContain('waiting');
    const state = (await cluster.readDeployment('shop', 'checkout'))!;
    const sets = await cluster.replicaSets(state);
    expect(sets.map((rs) => [rs.revision, rs.replicas, rs.containers[0]!.image])).toEqual([
      [2, 3, `${IMAGE}:1.1.0`],
      [1, 0, `${IMAGE}:1.0.0`],
    ]);
    expect(sets[0]!.annotations['kubernetes.io/change-cause']).toBe('ops-bot: 1.1.0 by <@U1> — test');
  });

  it('rolls back by copying an old ReplicaSet template, which comes back as the next revision', async () => {
    const state = (await cluster.readDeployment('shop', 'checkout'))!;
    const previous = (await cluster.replicaSets(state)).find((rs) => rs.revision === 1)!;
    const { ['pod-template-hash']: _, ...labels } = previous.template.metadata?.labels ?? {};
    await cluster.replaceTemplate(
      'shop',
      'checkout',
      state.resourceVersion,
      { ...previous.template, metadata: { ...previous.template.metadata, labels } },
      state.annotations,
    );
    const after = await settled('checkout');
    expect(after.revision).toBe(3);
    expect(imageOf(after, 'app')).toBe(`${IMAGE}:1.0.0`);
    expect((await cluster.replicaSets(after)).map((rs) => rs.revision)).toEqual([3, 2]);
  });

  it('refuses a JSON Patch whose resourceVersion test no longer holds', async () => {
    const state = (await cluster.readDeployment('shop', 'checkout'))!;
    await expect(cluster.replaceTemplate('shop', 'checkout', '1', {}, state.annotations)).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it("shows a failing image: ProgressDeadlineExceeded, with the pods' reasons", async () => {
    sim.failImage(`${IMAGE}:9.9.9`, 'ImagePullBackOff');
    sim.addDeployment({
      namespace: 'shop',
      name: 'broken',
      container: 'app',
      image: `${IMAGE}:9.9.9`,
      replicas: 2,
      progressDeadlineSeconds: 30,
    });
    const state = await settled('broken');
    expect(rolloutVerdict(state).state).toBe('failed');
    const release = await cluster.releaseSet(state);
    const pods = await cluster.podHealth('shop', release!.podLabels);
    const problems = podProblems(pods, { now: Date.now(), firstSeen: new Map(), failFast: false });
    expect(problems.map((problem) => problem.reason)).toContain('ImagePullBackOff');
    expect(problems.some((problem) => problem.message.includes('not found'))).toBe(true);
  });

  it('maps 404 to nothing and RBAC 403 to a forbidden error', async () => {
    expect(await cluster.readDeployment('shop', 'missing')).toBeUndefined();
    sim.forbid('patch', 'deployments', 'shop', 'checkout');
    const failure = await cluster
      .setImage('shop', 'checkout', 'app', `${IMAGE}:2.0.0`, 'x', { dryRun: true })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubeError);
    expect(failure).toMatchObject({ kind: 'forbidden', status: 403 });
    expect((failure as KubeError).message).toContain(
      'cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
    );
  });

  it('ends watches when the server drops them, so the caller can re-watch from its resourceVersion', async () => {
    const state = (await cluster.readDeployment('shop', 'checkout'))!;
    let ended = false;
    await cluster.watchDeployment(
      state,
      state.resourceVersion,
      () => undefined,
      () => {
        ended = true;
      },
    );
    await eventually(() => expect(sim.requests.some((request) => request.query.watch === 'true')).toBe(true));
    sim.dropWatches();
    await eventually(() => expect(ended).toBe(true));
  });
});

describe('pod logs through client-node', () => {
  it('reads the tail of a pod log, honouring tailLines, sinceSeconds and limitBytes', async () => {
    await settled('checkout');
    const { pods } = await cluster.lookPods('shop');
    const name = pods.find((pod) => pod.ready)!.name;
    const tail = await cluster.podLog('shop', name, { container: 'app', tailLines: 7, limitBytes: 1_000_000 });
    expect(tail.trimEnd().split('\n')).toHaveLength(7);
    const recent = await cluster.podLog('shop', name, {
      container: 'app',
      tailLines: 500,
      sinceSeconds: 60,
      limitBytes: 1_000_000,
    });
    // A line every 6 s: a minute holds 10 of them, not the hour before it.
    expect(recent.trimEnd().split('\n').length).toBeLessThanOrEqual(11);
    const clipped = await cluster.podLog('shop', name, { container: 'app', tailLines: 500, limitBytes: 100 });
    expect(Buffer.byteLength(clipped)).toBeLessThanOrEqual(100);
    const request = sim.requests.filter((entry) => entry.path.endsWith('/log')).at(0)!;
    expect(request).toMatchObject({ method: 'GET', status: 200, query: { container: 'app', tailLines: '7' } });
  });

  it("answers 400 for a container that is not the pod's, and 404 for a pod that does not exist", async () => {
    const { pods } = await cluster.lookPods('shop');
    const name = pods[0]!.name;
    const query = { container: 'nope', tailLines: 5, limitBytes: 1_000 };
    await expect(cluster.podLog('shop', name, query)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(cluster.podLog('shop', 'no-such-pod', { ...query, container: 'app' })).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});
