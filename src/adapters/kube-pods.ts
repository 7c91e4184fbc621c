import type { CoreV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
import type { ContainerHealth, PodHealth } from '../core/pod-health.ts';

// The pods of one ReplicaSet and their Warning events, read and parsed into what core/pod-health.ts
// judges. Only the fields ops-bot reads are parsed; everything else passes through untouched.

const waitingSchema = z.object({ reason: z.string().nullish(), message: z.string().nullish() });
const terminatedSchema = z.object({
  reason: z.string().nullish(),
  exitCode: z.number().nullish(),
  message: z.string().nullish(),
});
const containerStatusSchema = z.object({
  name: z.string(),
  image: z.string().nullish(),
  imageID: z.string().nullish(),
  ready: z.boolean().nullish(),
  restartCount: z.number().nullish(),
  state: z.object({ waiting: waitingSchema.nullish() }).passthrough().nullish(),
  lastState: z.object({ terminated: terminatedSchema.nullish() }).passthrough().nullish(),
});
const podConditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
});
const podSchema = z.object({
  metadata: z.object({ name: z.string() }).passthrough(),
  status: z
    .object({
      conditions: z.array(podConditionSchema).nullish(),
      containerStatuses: z.array(containerStatusSchema).nullish(),
    })
    .passthrough()
    .nullish(),
});
const eventSchema = z.object({
  reason: z.string().nullish(),
  message: z.string().nullish(),
  type: z.string().nullish(),
  involvedObject: z.object({ name: z.string().nullish() }).passthrough(),
});

type Pod = z.output<typeof podSchema>;
type ContainerStatus = z.output<typeof containerStatusSchema>;

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

// Pods matching `labels` in `namespace`, each with its Warning events.
export async function readPodHealth(
  core: CoreV1Api,
  namespace: string,
  labels: Record<string, string>,
): Promise<PodHealth[]> {
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: labelSelector(labels) })).items.map((raw) =>
    podSchema.parse(raw),
  );
  const unhealthy = pods.filter((pod) => !isReady(pod));
  const events = unhealthy.length > 0 ? await warningsByPod(core, namespace) : new Map<string, Warning[]>();
  return pods.map((pod) => toHealth(pod, events.get(pod.metadata.name) ?? []));
}

export type Warning = { reason: string; message: string };

async function warningsByPod(core: CoreV1Api, namespace: string): Promise<Map<string, Warning[]>> {
  const byPod = new Map<string, Warning[]>();
  for (const raw of (await core.listNamespacedEvent({ namespace })).items) {
    const event = eventSchema.parse(raw);
    const pod = event.involvedObject.name;
    if (event.type !== 'Warning' || !pod) continue;
    const list = byPod.get(pod) ?? [];
    list.push({ reason: event.reason ?? 'Warning', message: event.message ?? '' });
    byPod.set(pod, list);
  }
  return byPod;
}

// One pod as read by a list elsewhere (the look-ups), parsed and judged as readPodHealth's are.
export function podHealthOf(raw: unknown, warnings: Warning[]): PodHealth {
  return toHealth(podSchema.parse(raw), warnings);
}

export async function warningsIn(core: CoreV1Api, namespace: string): Promise<Map<string, Warning[]>> {
  return warningsByPod(core, namespace);
}

function isReady(pod: Pod): boolean {
  return (
    pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false
  );
}

function toHealth(pod: Pod, events: Warning[]): PodHealth {
  const unscheduled = pod.status?.conditions?.find(
    (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
  );
  return {
    name: pod.metadata.name,
    ready: isReady(pod),
    unschedulable: unscheduled ? { message: unscheduled.message ?? '' } : undefined,
    containers: (pod.status?.containerStatuses ?? []).map(toContainerHealth),
    events,
  };
}

function toContainerHealth(status: ContainerStatus): ContainerHealth {
  const waiting = status.state?.waiting;
  const terminated = status.lastState?.terminated;
  return {
    name: status.name,
    image: status.image ?? '',
    imageID: status.imageID ?? undefined,
    ready: status.ready ?? false,
    restartCount: status.restartCount ?? 0,
    waiting: waiting?.reason ? { reason: waiting.reason, message: waiting.message ?? '' } : undefined,
    lastTerminated: terminated
      ? { reason: terminated.reason ?? '', exitCode: terminated.exitCode ?? 0, message: terminated.message ?? '' }
      : undefined,
  };
}
