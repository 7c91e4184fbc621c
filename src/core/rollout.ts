// A Deployment's rollout, judged the way `kubectl rollout status` judges it
// (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go), from its parsed state.
export type PodTemplate = {
  metadata?:
    | { labels?: Record<string, string> | null | undefined; annotations?: Record<string, string> | null | undefined }
    | null
    | undefined;
  spec: Record<string, unknown>;
};
export type Condition = { type: string; status: string; reason?: string | undefined; message?: string | undefined };
export type DeploymentState = {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  observedGeneration: number;
  desired: number;
  total: number;
  updated: number;
  ready: number;
  available: number;
  paused: boolean;
  conditions: Condition[];
  containers: { name: string; image: string }[];
  annotations: Record<string, string>;
  selector: Record<string, string>;
  resourceVersion: string;
  revision: number | undefined;
  template: PodTemplate;
  // When this Deployment object was created: one deleted and created again under the same name is
  // another Deployment, with none of the earlier one's releases.
  created: Date | undefined;
};

export type RolloutVerdict =
  { state: 'waiting'; message: string } | { state: 'complete'; message: string } | { state: 'failed'; message: string };

export function rolloutVerdict(deployment: DeploymentState): RolloutVerdict {
  if (deployment.generation > deployment.observedGeneration)
    return { state: 'waiting', message: 'waiting for the rollout to be observed' };
  const progressing = deployment.conditions.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return {
      state: 'failed',
      message: `the rollout exceeded its progress deadline${progressing.message ? ` (${progressing.message})` : ''}`,
    };
  if (deployment.updated < deployment.desired)
    return { state: 'waiting', message: `${deployment.updated} of ${deployment.desired} new replicas updated` };
  if (deployment.total > deployment.updated)
    return { state: 'waiting', message: `${deployment.total - deployment.updated} old replicas pending termination` };
  if (deployment.available < deployment.updated)
    return { state: 'waiting', message: `${deployment.available} of ${deployment.updated} updated replicas available` };
  return { state: 'complete', message: `${deployment.available} of ${deployment.desired} replicas available` };
}

export function imageOf(deployment: DeploymentState, container: string): string | undefined {
  return deployment.containers.find((candidate) => candidate.name === container)?.image;
}
