import { randomBytes } from 'node:crypto';
import type { KubeObject, NewKubeObject } from './store.ts';

// What a pod looks like to kubectl in each state the simulator can put it in, and the Warning event
// the kubelet or the scheduler writes when it fails.
export type FailureMode = 'ImagePullBackOff' | 'CrashLoopBackOff' | 'NeverReady' | 'Unschedulable';
export type Container = { name: string; image: string };

const INSUFFICIENT_CPU = '0/3 nodes are available: 3 Insufficient cpu.';
const NO_PREEMPTION = 'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';

const now = () => new Date().toISOString();

export function isReady(pod: KubeObject): boolean {
  return (
    (pod.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    ) ?? false
  );
}

export function podStatus(
  containers: Container[],
  failure: FailureMode | undefined,
  ready: boolean,
): Record<string, unknown> {
  const scheduled = failure !== 'Unschedulable';
  const running = scheduled && (ready || failure === 'NeverReady' || failure === 'CrashLoopBackOff');
  return {
    phase: running ? 'Running' : 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: scheduled ? 'True' : 'False',
        ...(scheduled ? {} : { reason: 'Unschedulable', message: INSUFFICIENT_CPU }),
      },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
    containerStatuses: scheduled
      ? containers.map((container) => containerStatus(container, failure, ready, containers[0]?.image))
      : [],
  };
}

// Every container's back-off message names the first container's image (pods here run one container).
function containerStatus(
  container: Container,
  failure: FailureMode | undefined,
  ready: boolean,
  firstImage: string | undefined,
) {
  const crashing = failure === 'CrashLoopBackOff';
  return {
    name: container.name,
    image: container.image,
    ready,
    restartCount: crashing ? 4 : 0,
    state: containerState(failure, ready, firstImage),
    ...(crashing ? { lastState: { terminated: { exitCode: 1, reason: 'Error' } } } : {}),
  };
}

function containerState(failure: FailureMode | undefined, ready: boolean, firstImage: string | undefined) {
  if (failure === 'ImagePullBackOff')
    return { waiting: { reason: failure, message: `Back-off pulling image "${firstImage}"` } };
  if (failure === 'CrashLoopBackOff')
    return { waiting: { reason: failure, message: 'back-off 40s restarting failed container' } };
  if (ready || failure === 'NeverReady') return { running: { startedAt: now() } };
  return { waiting: { reason: 'ContainerCreating' } };
}

export function failureEvent(pod: KubeObject, mode: FailureMode, containers: Container[]): NewKubeObject {
  const [reason, message] = failureReason(pod, mode, containers);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: pod.metadata.namespace },
    involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace },
    reason,
    message,
    type: 'Warning',
    count: 1,
    firstTimestamp: now(),
    lastTimestamp: now(),
    source: { component: mode === 'Unschedulable' ? 'default-scheduler' : 'kubelet' },
  };
}

function failureReason(pod: KubeObject, mode: FailureMode, containers: Container[]): [string, string] {
  const image = containers[0]?.image ?? '';
  switch (mode) {
    case 'ImagePullBackOff': {
      const unresolved = `failed to resolve reference "${image}": not found`;
      return ['Failed', `Failed to pull image "${image}": rpc error: code = NotFound desc = ${unresolved}`];
    }
    case 'CrashLoopBackOff':
      return [
        'BackOff',
        `Back-off restarting failed container ${containers[0]?.name ?? ''} in pod ${pod.metadata.name}`,
      ];
    case 'NeverReady':
      return ['Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'];
    case 'Unschedulable':
      return ['FailedScheduling', `${INSUFFICIENT_CPU} ${NO_PREEMPTION}`];
  }
}
