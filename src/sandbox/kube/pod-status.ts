import { createHash, randomBytes } from 'node:crypto';
import type { KubeObject, NewKubeObject } from './store.ts';

// What a pod looks like to kubectl in each state the simulator can put it in, and the Warning events
// the kubelet or the scheduler writes, step by step as a real node would: a pull fails (ErrImagePull)
// and then backs off (ImagePullBackOff); a crashing container restarts again and again.
export type FailureMode =
  | 'ImagePullBackOff' // the tag does not exist in the registry
  | 'ImagePullTimeout' // the registry is slow: a pull error that is not "not found" (transient)
  | 'CrashLoopBackOff' // the process exits 1 at start, restarted with a growing count
  | 'CreateContainerConfigError' // a referenced Secret is missing
  | 'ContainerCannotRun' // the entrypoint does not exist
  | 'NeverReady' // runs, but its readiness probe keeps failing
  | 'Unschedulable' // no node has room
  | 'RestartOnce'; // healthy, but slow: exits once at start, then becomes ready
export type Container = { name: string; image: string };

// How a pod stands at one step of its failure: `step` counts the kubelet's attempts so far.
export type PodPhase = { mode: FailureMode | undefined; ready: boolean; step: number };

const INSUFFICIENT_CPU = '0/3 nodes are available: 3 Insufficient cpu.';
const NO_PREEMPTION = 'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
const MISSING_SECRET = 'secret "checkout-secrets" not found';
const NO_ENTRYPOINT =
  'failed to create containerd task: OCI runtime create failed: exec: "/app/server": stat /app/server: ' +
  'no such file or directory: unknown';

const now = () => new Date().toISOString();

export function isReady(pod: KubeObject): boolean {
  return (
    (pod.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    ) ?? false
  );
}

// Modes whose pods never become ready, and which keep changing (restarts, back-offs) while they fail.
export function keepsFailing(mode: FailureMode | undefined): boolean {
  return mode !== undefined && mode !== 'RestartOnce';
}

export function podStatus(containers: Container[], phase: PodPhase): Record<string, unknown> {
  const scheduled = phase.mode !== 'Unschedulable';
  const started = phase.step > 0;
  const running = scheduled && (phase.ready || (started && runsWhileFailing(phase.mode)));
  return {
    phase: running ? 'Running' : 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: scheduled ? 'True' : 'False',
        ...(scheduled ? {} : { reason: 'Unschedulable', message: INSUFFICIENT_CPU }),
      },
      { type: 'Ready', status: phase.ready ? 'True' : 'False' },
    ],
    containerStatuses: scheduled
      ? containers.map((container) => containerStatus(container, phase, containers[0]?.image ?? ''))
      : [],
  };
}

function runsWhileFailing(mode: FailureMode | undefined): boolean {
  return mode === 'NeverReady' || mode === 'CrashLoopBackOff' || mode === 'RestartOnce';
}

// Every container's messages name the first container's image (pods here run one container).
function containerStatus(container: Container, phase: PodPhase, firstImage: string) {
  const restarts = restartCount(phase);
  const last = lastTermination(phase);
  return {
    name: container.name,
    image: container.image,
    ready: phase.ready,
    restartCount: restarts,
    state: containerState(phase, firstImage),
    ...(last ? { lastState: { terminated: last } } : {}),
    ...(phase.ready ? { imageID: imageIdOf(container.image) } : {}),
  };
}

function restartCount(phase: PodPhase): number {
  if (phase.mode === 'CrashLoopBackOff' || phase.mode === 'ContainerCannotRun') return Math.max(0, phase.step - 1);
  if (phase.mode === 'RestartOnce' && phase.step > 0) return 1;
  return 0;
}

function lastTermination(phase: PodPhase) {
  if (phase.step === 0) return undefined;
  if (phase.mode === 'CrashLoopBackOff' || phase.mode === 'RestartOnce')
    return { exitCode: 1, reason: 'Error', finishedAt: now() };
  if (phase.mode === 'ContainerCannotRun')
    return { exitCode: 127, reason: 'ContainerCannotRun', message: NO_ENTRYPOINT, finishedAt: now() };
  return undefined;
}

function containerState(phase: PodPhase, image: string) {
  if (phase.ready) return { running: { startedAt: now() } };
  if (phase.step === 0) return { waiting: { reason: 'ContainerCreating' } };
  switch (phase.mode) {
    case 'ImagePullBackOff':
    case 'ImagePullTimeout':
      return phase.step === 1
        ? { waiting: { reason: 'ErrImagePull', message: pullError(phase.mode, image) } }
        : { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } };
    case 'CrashLoopBackOff':
    case 'ContainerCannotRun':
      return {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${10 * 2 ** phase.step}s restarting failed container`,
        },
      };
    case 'CreateContainerConfigError':
      return { waiting: { reason: 'CreateContainerConfigError', message: MISSING_SECRET } };
    default:
      return { running: { startedAt: now() } };
  }
}

function pullError(mode: 'ImagePullBackOff' | 'ImagePullTimeout', image: string): string {
  if (mode === 'ImagePullTimeout')
    return `rpc error: code = Unknown desc = failed to pull and unpack image "${image}": dial tcp: i/o timeout`;
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`;
}

// What the kubelet reports as the image a container runs: `<repository>@sha256:<digest>`. A tag's
// digest here is the sha256 of the image reference (the same tag gives the same digest in every
// cluster, as one registry would); an image pinned by digest runs exactly that digest.
export function imageIdOf(image: string): string {
  if (image.includes('@sha256:')) return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repository = colon > slash ? image.slice(0, colon) : image;
  return `${repository}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

// The Warning event the kubelet (or the scheduler) writes at this step, if any.
export function failureEvent(pod: KubeObject, phase: PodPhase, containers: Container[]): NewKubeObject | undefined {
  const found = failureReason(pod, phase, containers);
  if (!found) return undefined;
  const [reason, message] = found;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: pod.metadata.namespace },
    involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
    reason,
    message,
    type: 'Warning',
    count: 1,
    firstTimestamp: now(),
    lastTimestamp: now(),
    source: { component: phase.mode === 'Unschedulable' ? 'default-scheduler' : 'kubelet' },
  };
}

function failureReason(pod: KubeObject, phase: PodPhase, containers: Container[]): [string, string] | undefined {
  const image = containers[0]?.image ?? '';
  const name = containers[0]?.name ?? '';
  switch (phase.mode) {
    case 'ImagePullBackOff':
    case 'ImagePullTimeout':
      return phase.step === 1
        ? ['Failed', `Failed to pull image "${image}": ${pullError(phase.mode, image)}`]
        : undefined;
    case 'CrashLoopBackOff':
    case 'ContainerCannotRun':
      return ['BackOff', `Back-off restarting failed container ${name} in pod ${pod.metadata.name}`];
    case 'CreateContainerConfigError':
      return phase.step === 1 ? ['Failed', `Error: ${MISSING_SECRET}`] : undefined;
    case 'NeverReady':
      return ['Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'];
    case 'Unschedulable':
      return phase.step === 1 ? ['FailedScheduling', `${INSUFFICIENT_CPU} ${NO_PREEMPTION}`] : undefined;
    default:
      return undefined;
  }
}
