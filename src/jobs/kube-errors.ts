import { KubeError } from '../adapters/kube.ts';
import { UserError } from '../core/user-error.ts';

// Kubernetes failures the person can act on become UserErrors with the cluster's own words;
// anything else stays an unexpected error (retried where the job allows it).
export function explainKube(error: unknown, what: string): unknown {
  if (!(error instanceof KubeError)) return error;
  switch (error.kind) {
    case 'forbidden':
      return new UserError(`Kubernetes refused to let ops-bot ${what} (RBAC): ${error.message}`, {
        hint: 'The service account ops-bot uses needs that permission in this namespace.',
        code: 'kube_forbidden',
      });
    case 'unauthorized':
      return new UserError(`Kubernetes did not accept ops-bot's credentials while trying to ${what}.`, {
        hint: 'Check the kubeconfig context of this environment.',
        code: 'kube_unauthorized',
      });
    case 'invalid':
      return new UserError(`Kubernetes rejected the change (${what}): ${error.message}`, { code: 'kube_invalid' });
    case 'unreachable':
      return new UserError(`ops-bot cannot reach the Kubernetes API to ${what}: ${error.message}`, {
        hint: 'Nothing was changed. Check the cluster and the kubeconfig context of this environment.',
        code: 'kube_unreachable',
      });
    default:
      return error;
  }
}
