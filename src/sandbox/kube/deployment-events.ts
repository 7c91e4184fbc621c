import { randomBytes } from 'node:crypto';
import type { KubeObject, NewKubeObject } from './store.ts';

// The Normal event the deployment controller writes on its Deployment each time it scales one of its
// ReplicaSets; `kubectl describe deploy` lists them under Events, as on a cluster.
export function scalingEvent(rs: KubeObject, from: number, to: number): NewKubeObject | undefined {
  const owner = rs.metadata.ownerReferences?.find((reference) => reference.kind === 'Deployment');
  if (!owner || from === to) return undefined;
  const at = new Date().toISOString();
  const direction = to > from ? 'up' : 'down';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${owner.name}.${randomBytes(8).toString('hex')}`, namespace: rs.metadata.namespace },
    involvedObject: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: owner.name,
      namespace: rs.metadata.namespace,
      uid: owner.uid,
    },
    reason: 'ScalingReplicaSet',
    message: `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${to}`,
    type: 'Normal',
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    source: { component: 'deployment-controller' },
  };
}
