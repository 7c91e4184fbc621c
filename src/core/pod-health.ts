import { formatDuration } from './duration.ts';

// What the pods of a release say about it while it rolls out, and whether it can still succeed. The
// rules follow Shopify's krane (Pod#failure_message, Container#doom_reason): a release whose new pods
// are in a state that will not recover is failed at once instead of at the progress deadline.

export type ContainerHealth = {
  name: string;
  image: string;
  // The image as the node pulled it (`repo@sha256:…`), once the container runs.
  imageID?: string | undefined;
  ready: boolean;
  restartCount: number;
  waiting?: { reason: string; message: string } | undefined;
  lastTerminated?: { reason: string; exitCode: number; message: string } | undefined;
};

export type PodHealth = {
  name: string;
  ready: boolean;
  unschedulable?: { message: string } | undefined;
  containers: ContainerHealth[];
  // The pod's Warning events (reason, message), newest last.
  events: { reason: string; message: string }[];
};

// One line per reason, as a person reads it at 3 a.m.; `doomed` when it ends the release.
export type PodProblem = { reason: string; message: string; pods: number; doomed: boolean };

// The catalog's services.<name>.failFast.
export type FailFast = { restarts: number; unschedulableFor: number };

// When each problem (pod + reason) was first seen: Unschedulable is only doomed once it has lasted.
export type FirstSeen = Map<string, number>;

type Finding = { reason: string; message: string; doomed: boolean };

const PULL_DOOMED = /not found|manifest unknown|does not exist|access denied|denied|unauthorized|forbidden/i;
const TRANSIENT_CONFIG = /failed to sync .* cache/i;
const WAITING_IGNORED = new Set(['ContainerCreating', 'PodInitializing']);

export function podProblems(
  pods: PodHealth[],
  options: { now: number; firstSeen: FirstSeen; failFast: FailFast | false },
): PodProblem[] {
  const lines = new Map<string, PodProblem>();
  for (const pod of pods) {
    for (const finding of findingsOf(pod, options)) {
      const line = lines.get(finding.reason);
      if (line) {
        line.pods += 1;
        line.doomed ||= finding.doomed;
      } else lines.set(finding.reason, { ...finding, pods: 1 });
    }
  }
  return [...lines.values()];
}

// The first doomed problem, said as the cause of the failure.
export function doomOf(problems: PodProblem[]): string | undefined {
  const doomed = problems.find((problem) => problem.doomed);
  return doomed ? `the new pods cannot start: ${problemText(doomed)}` : undefined;
}

export function problemText(problem: PodProblem): string {
  const count = problem.pods > 1 ? ` (${problem.pods} pods)` : '';
  return `${problem.reason}: ${problem.message}${count}`;
}

function findingsOf(pod: PodHealth, options: { now: number; firstSeen: FirstSeen; failFast: FailFast | false }) {
  const findings: Finding[] = [];
  if (pod.unschedulable) findings.push(unschedulable(pod, options));
  for (const container of pod.containers) {
    const finding = containerFinding(pod, container, options.failFast);
    if (finding) findings.push(finding);
  }
  if (!pod.ready && findings.length === 0) {
    const probe = pod.events.findLast((event) => event.reason === 'Unhealthy');
    if (probe) findings.push({ reason: 'Readiness probe failing', message: probe.message, doomed: false });
  }
  return findings;
}

function unschedulable(pod: PodHealth, options: { now: number; firstSeen: FirstSeen; failFast: FailFast | false }) {
  const key = `${pod.name}/Unschedulable`;
  const since = options.firstSeen.get(key) ?? options.now;
  options.firstSeen.set(key, since);
  const lasted = options.now - since;
  const doomed = options.failFast !== false && lasted >= options.failFast.unschedulableFor;
  const message = pod.unschedulable?.message || 'no node can run it';
  return { reason: 'Unschedulable', message: doomed ? `${message} (for ${formatDuration(lasted)})` : message, doomed };
}

function containerFinding(pod: PodHealth, container: ContainerHealth, failFast: FailFast | false) {
  const finding = cannotRun(container) ?? waitingFinding(pod, container, failFast);
  if (!finding) return undefined;
  return { ...finding, doomed: failFast !== false && finding.doomed };
}

function waitingFinding(pod: PodHealth, container: ContainerHealth, failFast: FailFast | false) {
  const waiting = container.waiting;
  if (!waiting || WAITING_IGNORED.has(waiting.reason)) return undefined;
  switch (waiting.reason) {
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return imagePull(pod, container, waiting.reason);
    case 'CrashLoopBackOff':
      return crashLoop(container, failFast);
    case 'CreateContainerConfigError':
      return { reason: waiting.reason, message: waiting.message, doomed: !TRANSIENT_CONFIG.test(waiting.message) };
    default:
      return { reason: waiting.reason, message: waiting.message, doomed: false };
  }
}

// ImagePullBackOff itself only says "Back-off pulling image"; the pull error that caused it (in the
// ErrImagePull state, or the kubelet's Failed event) says whether the image exists at all.
function imagePull(pod: PodHealth, container: ContainerHealth, reason: string): Finding {
  const pullErrors = [container.waiting?.message ?? '', ...pod.events.map((event) => event.message)];
  const missing = pullErrors.some((message) => message.includes(container.image) && PULL_DOOMED.test(message));
  const why = missing ? 'not found in the registry, or access denied' : 'cannot be pulled yet';
  return { reason, message: `${container.image} ${why}`, doomed: missing };
}

function crashLoop(container: ContainerHealth, failFast: FailFast | false): Finding {
  const exit = container.lastTerminated ? `, last exit code ${container.lastTerminated.exitCode}` : '';
  const times = container.restartCount === 1 ? 'once' : `${container.restartCount} times`;
  const restarts = failFast === false ? Infinity : failFast.restarts;
  const message = `${container.name} restarted ${times}${exit}`;
  return { reason: 'CrashLoopBackOff', message, doomed: container.restartCount >= restarts };
}

// The runtime could not start the process at all (no such entrypoint); exit 128 is the runtime's own
// transient failure and is retried.
function cannotRun(container: ContainerHealth): Finding | undefined {
  if (!isCannotRun(container)) return undefined;
  const terminated = container.lastTerminated!;
  return {
    reason: 'ContainerCannotRun',
    message: terminated.message || `exit code ${terminated.exitCode}`,
    doomed: true,
  };
}

function isCannotRun(container: ContainerHealth): boolean {
  const terminated = container.lastTerminated;
  return terminated?.reason === 'ContainerCannotRun' && terminated.exitCode !== 128;
}
