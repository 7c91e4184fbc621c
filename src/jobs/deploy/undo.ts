import type { KubeCluster, ReplicaSetState } from '../../adapters/kube.ts';
import type { DeploymentState } from '../../core/rollout.ts';
import { UserError } from '../../core/user-error.ts';

// `kubectl rollout undo`, as kubectl does it (kubectl pkg/polymorphichelpers/rollback.go): copy the
// target ReplicaSet's pod template into the Deployment without its pod-template-hash label, keep the
// Deployment's own bookkeeping annotations, guard the patch with the resourceVersion we read.
const KEEP = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
];

export type UndoResult = { state: DeploymentState; target: ReplicaSetState; unchanged: boolean };

export function previousRevision(sets: ReplicaSetState[], current: number | undefined): ReplicaSetState | undefined {
  return sets
    .filter((set) => current === undefined || set.revision < current)
    .sort((a, b) => b.revision - a.revision)[0];
}

export async function undoTo(
  cluster: KubeCluster,
  deployment: DeploymentState,
  target: ReplicaSetState,
  changeCause: string,
  options: { dryRun?: boolean } = {},
): Promise<UndoResult> {
  if (deployment.paused)
    throw new UserError(`${deployment.namespace}/${deployment.name} is paused; resume it before rolling back.`, {
      code: 'paused',
    });
  const labels = { ...target.template.metadata?.labels };
  delete labels['pod-template-hash'];
  const template = { ...target.template, metadata: { ...target.template.metadata, labels } };
  const currentLabels = { ...deployment.template.metadata?.labels };
  delete currentLabels['pod-template-hash'];
  if (
    JSON.stringify({ ...deployment.template, metadata: { ...deployment.template.metadata, labels: currentLabels } }) ===
    JSON.stringify(template)
  ) {
    return { state: deployment, target, unchanged: true };
  }
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(target.annotations)) if (!KEEP.includes(key)) annotations[key] = value;
  for (const key of KEEP) if (deployment.annotations[key] !== undefined) annotations[key] = deployment.annotations[key];
  annotations['kubernetes.io/change-cause'] = changeCause;
  const state = await cluster.replaceTemplate(
    deployment.namespace,
    deployment.name,
    deployment.resourceVersion,
    template,
    annotations,
    options,
  );
  return { state, target, unchanged: false };
}
