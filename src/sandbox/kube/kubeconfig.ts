import { stringify } from 'yaml';

export type KubeconfigCluster = { context: string; server: string; token: string; ca?: string };

// A kubeconfig with one context per environment, each pointing at a simulated cluster. A cluster
// serving TLS carries its CA (certificate-authority-data), so kubectl and client-node verify it;
// plain http needs insecure-skip-tls-verify, which client-node requires for non-TLS servers.
export function kubeconfigFor(clusters: KubeconfigCluster[]): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((cluster) => ({
      name: cluster.context,
      cluster: cluster.ca
        ? { server: cluster.server, 'certificate-authority-data': Buffer.from(cluster.ca).toString('base64') }
        : { server: cluster.server, 'insecure-skip-tls-verify': true },
    })),
    users: clusters.map((cluster) => ({ name: `ops-bot@${cluster.context}`, user: { token: cluster.token } })),
    contexts: clusters.map((cluster) => ({
      name: cluster.context,
      context: { cluster: cluster.context, user: `ops-bot@${cluster.context}` },
    })),
    'current-context': clusters[0]?.context ?? '',
  });
}
