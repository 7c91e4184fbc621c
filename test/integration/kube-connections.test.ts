import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClusters } from '../../src/adapters/kube.ts';
import { kubeconfigFor } from '../../src/sandbox/kube/kubeconfig.ts';

// client-node 2 builds a new undici Agent per API call when the kubeconfig has TLS settings (the
// simulator's kubeconfig sets insecure-skip-tls-verify, as a real cluster's sets a CA): every call
// then opened a new connection. A counting TCP forwarder in front of the simulator shows reuse.
const sim = new KubeSimulator({ podReadyMs: 5, secondMs: 2 });
let forwarder: Server;
let accepted = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  await sim.start();
  sim.addDeployment({ namespace: 'shop', name: 'checkout', container: 'app', image: 'r/checkout:1.0.0' });
  const target = new URL(sim.url);
  forwarder = createServer((client) => {
    accepted += 1;
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', () => resolve()));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => forwarder.close(() => resolve()));
  await sim.stop();
});

describe('Kubernetes API connections', () => {
  it('are reused across calls of one context instead of one new connection per call', async () => {
    const port = (forwarder.address() as AddressInfo).port;
    const config = new KubeConfig();
    config.loadFromString(
      kubeconfigFor([{ context: 'staging', server: `http://127.0.0.1:${port}`, token: sim.token }]),
    );
    const cluster = new KubeClusters(config).cluster('staging');
    for (let call = 0; call < 20; call += 1) expect(await cluster.readDeployment('shop', 'checkout')).toBeDefined();
    await Promise.all(Array.from({ length: 5 }, () => cluster.readDeployment('shop', 'checkout')));
    // Sequential calls share one connection; five at once need at most five.
    expect(accepted).toBeLessThanOrEqual(6);
  });
});
