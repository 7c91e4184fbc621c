import { stringify } from 'yaml';

// A kubeconfig with one context per environment, each pointing at a simulated cluster. Plain http
// needs insecure-skip-tls-verify, which client-node requires for non-TLS servers.
export function kubeconfigFor(clusters: { context: string; server: string; token: string }[]): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((cluster) => ({
      name: cluster.context,
      cluster: { server: cluster.server, 'insecure-skip-tls-verify': true },
    })),
    users: clusters.map((cluster) => ({ name: `ops-bot@${cluster.context}`, user: { token: cluster.token } })),
    contexts: clusters.map((cluster) => ({
      name: cluster.context,
      context: { cluster: cluster.context, user: `ops-bot@${cluster.context}` },
    })),
    'current-context': clusters[0]?.context ?? '',
  });
}
