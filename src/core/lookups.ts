import type { CatalogService } from './catalog.ts';
import { podProblems, problemText, type PodHealth } from './pod-health.ts';

// What /ops pods, events and logs make of a namespace's objects: the service's own (by ownership, not
// by label, so another service's pods with a similar label never show), judged as a rollout judges them.

export type LookedPod = PodHealth & {
  phase: string;
  created: Date | undefined;
  // The ReplicaSet that owns it.
  owner: string | undefined;
  specContainers: { name: string; image: string }[];
};
export type OwnedSet = { name: string; owner: string | undefined };
export type LookedEvent = {
  type: string;
  reason: string;
  message: string;
  count: number;
  at: Date | undefined;
  kind: string;
  name: string;
};

// The Deployments a service runs as, by strategy (the generated Role names the same ones).
export function serviceDeployments(service: CatalogService): string[] {
  if (service.strategy === 'bluegreen')
    return [service.deployment, `${service.deployment}-blue`, `${service.deployment}-green`];
  if (service.strategy === 'canary') return [service.deployment, `${service.deployment}-canary`];
  return [service.deployment];
}

// The service's pods, newest first.
export function podsOfService(pods: LookedPod[], sets: OwnedSet[], deployments: string[]): LookedPod[] {
  const owned = new Set(sets.filter((set) => set.owner && deployments.includes(set.owner)).map((set) => set.name));
  return pods
    .filter((pod) => pod.owner !== undefined && owned.has(pod.owner))
    .sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
}

// The problem ops-bot recognises in one pod (ImagePullBackOff, CrashLoopBackOff, …), as one line.
export function problemOf(pod: PodHealth, now: Date): string | undefined {
  const found = podProblems([pod], { now: now.getTime(), firstSeen: new Map(), failFast: false });
  return found.length > 0 ? found.map(problemText).join('; ') : undefined;
}

export type PodRow = {
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  ageMs: number | undefined;
  image: string;
  problem: string | undefined;
};

export function podRow(pod: LookedPod, container: string, now: Date): PodRow {
  const readyCount = pod.containers.filter((status) => status.ready).length;
  const total = Math.max(pod.containers.length, pod.specContainers.length);
  const image = pod.specContainers.find((spec) => spec.name === container)?.image ?? pod.specContainers[0]?.image ?? '';
  return {
    name: pod.name,
    phase: pod.phase,
    ready: `${readyCount}/${total}`,
    restarts: pod.containers.reduce((sum, status) => sum + status.restartCount, 0),
    ageMs: pod.created ? now.getTime() - pod.created.getTime() : undefined,
    image: shortImage(image),
    problem: problemOf(pod, now),
  };
}

// `registry.example.com/shop/checkout:1.4.2` → `checkout:1.4.2`; a digest keeps 12 hex digits.
export function shortImage(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.replace(/@sha256:([0-9a-f]{12})[0-9a-f]*$/, '@$1');
}

// The Events of the service's Deployments, their ReplicaSets and pods, newest first.
export function eventsOfService(
  events: LookedEvent[],
  sets: OwnedSet[],
  pods: LookedPod[],
  deployments: string[],
): LookedEvent[] {
  const names = new Map<string, Set<string>>([
    ['Deployment', new Set(deployments)],
    ['ReplicaSet', new Set(sets.filter((set) => set.owner && deployments.includes(set.owner)).map((set) => set.name))],
    ['Pod', new Set(pods.map((pod) => pod.name))],
  ]);
  const mine = events.filter((event) => names.get(event.kind)?.has(event.name) ?? false);
  return repeatsFolded(mine).sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0));
}

// The same event about the same object, said again and again (a back-off), is one line with its count
// and newest time, as \`kubectl describe\` shows it.
function repeatsFolded(events: LookedEvent[]): LookedEvent[] {
  const folded = new Map<string, LookedEvent>();
  for (const event of events) {
    const key = JSON.stringify([event.type, event.kind, event.name, event.reason, event.message]);
    const seen = folded.get(key);
    if (!seen) folded.set(key, { ...event });
    else {
      seen.count += event.count;
      if ((event.at?.getTime() ?? 0) > (seen.at?.getTime() ?? 0)) seen.at = event.at;
    }
  }
  return [...folded.values()];
}

// Whose log to show when none is named: a pod with a problem (that is why people look), else the
// newest ready pod, else the newest. `pods` are newest first.
export function defaultPod(pods: LookedPod[], now: Date): LookedPod | undefined {
  return pods.find((pod) => problemOf(pod, now) !== undefined) ?? pods.find((pod) => pod.ready) ?? pods.at(0);
}

export const REDACTED = '[redacted]';

// The catalog's `redact` patterns as one function; each match becomes [redacted].
export function redactor(patterns: string[]): (text: string) => string {
  const compiled = patterns.map((pattern) => new RegExp(pattern, 'g'));
  return (text) => compiled.reduce((result, pattern) => result.replace(pattern, REDACTED), text);
}

// The last lines that fit in `maxChars` (newline-joined); `cut` is how many earlier lines were left out.
export function lastLinesWithin(lines: string[], maxChars: number): { shown: string[]; cut: number } {
  let used = 0;
  let from = lines.length;
  while (from > 0 && used + lines[from - 1]!.length + 1 <= maxChars) {
    used += lines[from - 1]!.length + 1;
    from -= 1;
  }
  return { shown: lines.slice(from), cut: from };
}
