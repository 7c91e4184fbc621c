import { humanDuration } from './human-duration.ts';
import type { KubeObject } from './store.ts';

// Server-side printing: `kubectl get` asks for a meta.k8s.io Table (Accept: ...;as=Table;...) and
// prints its columns as they come, so the columns here are the API server's own for each kind
// (k8s.io/kubernetes pkg/printers/internalversion). priority 1 columns show with `-o wide`.
type Column = { name: string; type: string; format?: string; priority?: number; cells: (o: KubeObject) => unknown };
type Spec = { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: Template };
type Template = { spec?: { containers?: { name: string; image: string }[] } };
type Counts = Record<string, number | undefined>;

const spec = (object: KubeObject) => (object.spec ?? {}) as Spec & Record<string, unknown>;
const counts = (object: KubeObject) => (object.status ?? {}) as Counts;
const containers = (object: KubeObject) => spec(object).template?.spec?.containers ?? [];
const selector = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',') || '<none>';

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cells: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', type: 'string', cells: (o) => ageOf(o.metadata.creationTimestamp) };
const WIDE_WORKLOAD: Column[] = [
  {
    name: 'Containers',
    type: 'string',
    priority: 1,
    cells: (o) =>
      containers(o)
        .map((c) => c.name)
        .join(','),
  },
  {
    name: 'Images',
    type: 'string',
    priority: 1,
    cells: (o) =>
      containers(o)
        .map((c) => c.image)
        .join(','),
  },
  { name: 'Selector', type: 'string', priority: 1, cells: (o) => selector(spec(o).selector?.matchLabels) },
];

const COLUMNS: Record<string, Column[]> = {
  Deployment: [
    NAME,
    { name: 'Ready', type: 'string', cells: (o) => `${counts(o).readyReplicas ?? 0}/${spec(o).replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cells: (o) => counts(o).updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cells: (o) => counts(o).availableReplicas ?? 0 },
    AGE,
    ...WIDE_WORKLOAD,
  ],
  ReplicaSet: [
    NAME,
    { name: 'Desired', type: 'integer', cells: (o) => spec(o).replicas ?? 0 },
    { name: 'Current', type: 'integer', cells: (o) => counts(o).replicas ?? 0 },
    { name: 'Ready', type: 'integer', cells: (o) => counts(o).readyReplicas ?? 0 },
    AGE,
    ...WIDE_WORKLOAD,
  ],
  Pod: [
    NAME,
    { name: 'Ready', type: 'string', cells: (o) => podReady(o) },
    { name: 'Status', type: 'string', cells: (o) => podStatusOf(o) },
    { name: 'Restarts', type: 'string', cells: (o) => String(podRestarts(o)) },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cells: (o) => (o.status?.podIP as string | undefined) ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cells: (o) => (spec(o).nodeName as string | undefined) ?? '<none>' },
  ],
  Service: [
    NAME,
    { name: 'Type', type: 'string', cells: (o) => (spec(o).type as string | undefined) ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cells: (o) => (spec(o).clusterIP as string | undefined) ?? '<none>' },
    { name: 'External-IP', type: 'string', cells: () => '<none>' },
    { name: 'Port(s)', type: 'string', cells: (o) => servicePorts(o) },
    AGE,
    { name: 'Selector', type: 'string', priority: 1, cells: (o) => selector(spec(o).selector as never) },
  ],
  Event: [
    {
      name: 'Last Seen',
      type: 'string',
      cells: (o) => ageOf((o.lastTimestamp ?? o.metadata.creationTimestamp) as string),
    },
    { name: 'Type', type: 'string', cells: (o) => o.type ?? '' },
    { name: 'Reason', type: 'string', cells: (o) => o.reason ?? '' },
    { name: 'Object', type: 'string', cells: (o) => involved(o) },
    { name: 'Message', type: 'string', cells: (o) => o.message ?? '' },
  ],
};

// Asks the Accept header for a Table? (kubectl get: "application/json;as=Table;v=v1;g=meta.k8s.io,...")
export function wantsTable(accept: string | undefined): boolean {
  return /;\s*as=Table/.test(accept ?? '');
}

// The Table for a list or one object of a kind the simulator serves; anything else (a Status) as it is.
export function asTable(body: unknown, includeObject: string | undefined): unknown {
  const list = body as { kind?: string; items?: KubeObject[]; metadata?: { resourceVersion?: string } };
  const objects = list.kind?.endsWith('List') && list.items ? list.items : [body as KubeObject];
  const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -'List'.length) : list.kind;
  const columns = kind ? COLUMNS[kind] : undefined;
  if (!columns) return body;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: list.metadata?.resourceVersion ?? '' },
    columnDefinitions: columns.map(({ name, type, format, priority }) => ({
      name,
      type,
      format: format ?? '',
      description: '',
      priority: priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((column) => column.cells(object)),
      ...rowObject(object, includeObject),
    })),
  };
}

// includeObject=Metadata (the default) sends each row's metadata, which kubectl needs for -A and --show-labels.
function rowObject(object: KubeObject, includeObject: string | undefined) {
  if (includeObject === 'None') return {};
  if (includeObject === 'Object') return { object };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata } };
}

function ageOf(timestamp: string | undefined): string {
  return timestamp ? humanDuration(Date.now() - Date.parse(timestamp)) : '<unknown>';
}

type ContainerStatus = { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string } } };
const containerStatuses = (pod: KubeObject) => (pod.status?.containerStatuses ?? []) as ContainerStatus[];

function podReady(pod: KubeObject): string {
  const statuses = containerStatuses(pod);
  const total = Math.max(statuses.length, ((pod.spec?.containers ?? []) as unknown[]).length);
  return `${statuses.filter((status) => status.ready).length}/${total}`;
}

// As kubectl shows it: a waiting container's reason (ImagePullBackOff, CrashLoopBackOff…) over the phase.
function podStatusOf(pod: KubeObject): string {
  const waiting = containerStatuses(pod).find((status) => status.state?.waiting?.reason)?.state?.waiting?.reason;
  return waiting ?? (pod.status?.phase as string | undefined) ?? 'Pending';
}

function podRestarts(pod: KubeObject): number {
  return containerStatuses(pod).reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
}

function servicePorts(service: KubeObject): string {
  const ports = (spec(service).ports ?? []) as { port: number; protocol?: string }[];
  return ports.map((port) => `${port.port}/${port.protocol ?? 'TCP'}`).join(',') || '<none>';
}

function involved(event: KubeObject): string {
  const object = event.involvedObject as { kind?: string; name?: string } | undefined;
  return `${(object?.kind ?? '').toLowerCase()}/${object?.name ?? ''}`;
}
