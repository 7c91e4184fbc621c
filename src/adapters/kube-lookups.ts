import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
import type { LookedEvent, LookedPod, OwnedSet } from '../core/lookups.ts';
import { podHealthOf, warningsIn } from './kube-pods.ts';

// The reads behind /ops pods, events and logs: whole-namespace lists (the only kind RBAC can grant
// without naming every pod) narrowed to one service by ownership in core/lookups.ts, and one pod's log.

const when = z.union([z.string(), z.date()]).nullish();
const owners = z.array(z.object({ kind: z.string(), name: z.string() })).nullish();
const podMeta = z.object({
  metadata: z.object({ name: z.string(), creationTimestamp: when, ownerReferences: owners }).passthrough(),
  spec: z.object({ containers: z.array(z.object({ name: z.string(), image: z.string().nullish() })) }).passthrough(),
  status: z.object({ phase: z.string().nullish() }).passthrough().nullish(),
});
const setMeta = z.object({ metadata: z.object({ name: z.string(), ownerReferences: owners }).passthrough() });
const eventSchema = z.object({
  type: z.string().nullish(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  count: z.number().nullish(),
  lastTimestamp: when,
  eventTime: when,
  firstTimestamp: when,
  involvedObject: z.object({ kind: z.string().nullish(), name: z.string().nullish() }).passthrough(),
});

const dateOf = (value: string | Date | null | undefined) => (value ? new Date(value) : undefined);

export async function listPods(core: CoreV1Api, namespace: string): Promise<LookedPod[]> {
  const items = (await core.listNamespacedPod({ namespace })).items as unknown[];
  const parsed = items.map((raw) => ({ raw, meta: podMeta.parse(raw) }));
  const unready = parsed.some(({ raw }) => !podHealthOf(raw, []).ready);
  const warnings = unready ? await warningsIn(core, namespace) : new Map();
  return parsed.map(({ raw, meta }) => ({
    ...podHealthOf(raw, warnings.get(meta.metadata.name) ?? []),
    phase: meta.status?.phase ?? 'Unknown',
    created: dateOf(meta.metadata.creationTimestamp),
    owner: meta.metadata.ownerReferences?.find((owner) => owner.kind === 'ReplicaSet')?.name,
    specContainers: meta.spec.containers.map((container) => ({ name: container.name, image: container.image ?? '' })),
  }));
}

export async function listSetOwners(apps: AppsV1Api, namespace: string): Promise<OwnedSet[]> {
  const items = (await apps.listNamespacedReplicaSet({ namespace })).items as unknown[];
  return items.map((raw) => {
    const { metadata } = setMeta.parse(raw);
    return { name: metadata.name, owner: metadata.ownerReferences?.find((o) => o.kind === 'Deployment')?.name };
  });
}

export async function listEvents(core: CoreV1Api, namespace: string): Promise<LookedEvent[]> {
  const items = (await core.listNamespacedEvent({ namespace })).items as unknown[];
  return items.map((raw) => {
    const event = eventSchema.parse(raw);
    return {
      type: event.type ?? 'Normal',
      reason: event.reason ?? '',
      message: event.message ?? '',
      count: event.count ?? 1,
      at: dateOf(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp),
      kind: event.involvedObject.kind ?? '',
      name: event.involvedObject.name ?? '',
    };
  });
}

export type LogQuery = { container: string; sinceSeconds?: number; tailLines: number; limitBytes: number };

export async function readPodLog(core: CoreV1Api, namespace: string, pod: string, query: LogQuery): Promise<string> {
  const text: unknown = await core.readNamespacedPodLog({ name: pod, namespace, ...query });
  return z.string().parse(text);
}
