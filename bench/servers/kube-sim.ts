import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFor } from '../../src/sandbox/kube/kubeconfig.ts';
import { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import { startControl, ready } from './control.ts';

// Two simulated clusters (contexts staging and prod) in their own process, reached by the bots and
// workers through the kubeconfig this prints. BENCH_KUBE_SERVICES names the Deployments each holds
// (namespace shop, container app, image registry.example.com/shop/<name>:1.0.0).
const services = (process.env.BENCH_KUBE_SERVICES ?? 'checkout').split(',');
const podReadyMs = Number(process.env.BENCH_KUBE_POD_READY_MS ?? 50);
const contexts = ['staging', 'prod'] as const;
const clusters = Object.fromEntries(
  contexts.map((context) => [context, new KubeSimulator({ podReadyMs, secondMs: 20, bookmarkMs: 60_000 })]),
) as Record<(typeof contexts)[number], KubeSimulator>;
for (const cluster of Object.values(clusters)) {
  await cluster.start();
  for (const name of services)
    cluster.addDeployment({
      namespace: 'shop',
      name,
      container: 'app',
      image: `registry.example.com/shop/${name}:1.0.0`,
      replicas: 2,
    });
}
// The simulators record every request; a long benchmark keeps only the last ones.
const trim = setInterval(() => {
  for (const cluster of Object.values(clusters))
    cluster.requests.splice(0, Math.max(0, cluster.requests.length - 1000));
}, 5_000);

const dir = await mkdtemp(join(tmpdir(), 'opsbot-bench-kube-'));
const kubeconfig = join(dir, 'kubeconfig');
await writeFile(
  kubeconfig,
  kubeconfigFor(
    contexts.map((context) => ({ context, server: clusters[context].url, token: clusters[context].token })),
  ),
);

const control = await startControl({
  // Every answer of that cluster waits this long first.
  slow: (body) => {
    clusters[body.context === 'prod' ? 'prod' : 'staging'].slowDown(Number(body.ms ?? 0));
    return { ok: true };
  },
  image: (body, url) => {
    const cluster = clusters[url.searchParams.get('context') === 'prod' ? 'prod' : 'staging'];
    const deployment = cluster.deployment('shop', String(body.service));
    const spec = deployment?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
    return { image: spec?.template?.spec?.containers?.[0]?.image };
  },
  // The real (not dry-run) PATCHes of a Deployment that set this image, and when the first arrived.
  patches: (body, url) => {
    const cluster = clusters[url.searchParams.get('context') === 'prod' ? 'prod' : 'staging'];
    const found = cluster.requests.filter(
      (request) =>
        request.method === 'PATCH' &&
        request.query.dryRun === undefined &&
        request.status === 200 &&
        request.path.endsWith(`/deployments/${String(body.service)}`) &&
        JSON.stringify(request.body ?? '').includes(String(body.image)),
    );
    return { count: found.length, firstAt: found[0]?.at };
  },
});

ready({ kubeconfig, control });
process.on('SIGTERM', () => {
  clearInterval(trim);
  void Promise.all([...Object.values(clusters).map((cluster) => cluster.stop()), rm(dir, { recursive: true })]).then(
    () => process.exit(0),
  );
});
