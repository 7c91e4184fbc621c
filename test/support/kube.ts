import { KubeConfig } from '@kubernetes/client-node';
import { KubeClusters } from '../../src/adapters/kube.ts';
import { kubeconfigFor } from '../../src/sandbox/kube/kubeconfig.ts';
import type { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';

export function clustersFor(sims: Record<string, KubeSimulator>): KubeClusters {
  const config = new KubeConfig();
  config.loadFromString(
    kubeconfigFor(Object.entries(sims).map(([context, sim]) => ({ context, server: sim.url, token: sim.token }))),
  );
  return new KubeClusters(config);
}
