// What the simulated RDS account holds. Progress is computed from the clock when read, as the real
// service's is observed: a snapshot's PercentProgress climbs to 100 and its status becomes available.
export type Tags = { Key: string; Value: string }[];
export type SimInstance = {
  id: string;
  engine: string;
  instanceClass: string;
  created: number;
  readyAt: number;
  deletingAt?: number | undefined;
  gone?: boolean;
  tags: Tags;
  fromSnapshot?: string | undefined;
};
export type SimCluster = {
  id: string;
  engine: string;
  created: number;
  readyAt: number;
  deletingAt?: number | undefined;
  gone?: boolean;
  tags: Tags;
  fromSnapshot?: string | undefined;
};
export type SimSnapshot = {
  id: string;
  source: string;
  kind: 'instance' | 'cluster';
  engine: string;
  created: number;
  readyAt: number;
  sizeGb: number;
  type: 'manual' | 'automated';
  tags: Tags;
  gone?: boolean;
};

export const ACCOUNT = '123456789012';

export class RdsState {
  readonly instances = new Map<string, SimInstance>();
  readonly clusters = new Map<string, SimCluster>();
  readonly snapshots = new Map<string, SimSnapshot>();
  readonly region: string;
  snapshotMs: number;
  restoreMs: number;
  deleteMs: number;
  snapshotQuota: number;
  // Where restored instances answer; tests point it at a real PostgreSQL to run verify checks.
  endpoint: { host: string; port: number } | undefined;
  readonly #clock: () => number;

  constructor(
    options: {
      region?: string;
      snapshotMs?: number;
      restoreMs?: number;
      deleteMs?: number;
      snapshotQuota?: number;
      clock?: () => number;
    } = {},
  ) {
    this.region = options.region ?? 'eu-central-1';
    this.snapshotMs = options.snapshotMs ?? 300;
    this.restoreMs = options.restoreMs ?? 300;
    this.deleteMs = options.deleteMs ?? 100;
    this.snapshotQuota = options.snapshotQuota ?? 100;
    this.#clock = options.clock ?? Date.now;
  }

  now(): number {
    return this.#clock();
  }

  arn(kind: 'db' | 'cluster' | 'snapshot' | 'cluster-snapshot' | 'subgrp', id: string): string {
    return `arn:aws:rds:${this.region}:${ACCOUNT}:${kind}:${id}`;
  }

  instanceStatus(instance: SimInstance): string {
    const now = this.now();
    if (instance.deletingAt !== undefined) return now >= instance.deletingAt + this.deleteMs ? 'deleted' : 'deleting';
    return now >= instance.readyAt ? 'available' : 'creating';
  }

  clusterStatus(cluster: SimCluster): string {
    const now = this.now();
    if (cluster.deletingAt !== undefined) return now >= cluster.deletingAt + this.deleteMs ? 'deleted' : 'deleting';
    return now >= cluster.readyAt ? 'available' : 'creating';
  }

  snapshotProgress(snapshot: SimSnapshot): { status: string; percent: number } {
    const span = Math.max(1, snapshot.readyAt - snapshot.created);
    const percent = Math.min(100, Math.floor(((this.now() - snapshot.created) / span) * 100));
    return { status: percent >= 100 ? 'available' : 'creating', percent };
  }

  // Instances and clusters finish deleting on their own; reading them sweeps the ones that have.
  liveInstances(): SimInstance[] {
    for (const instance of this.instances.values())
      if (this.instanceStatus(instance) === 'deleted') this.instances.delete(instance.id);
    return [...this.instances.values()];
  }

  liveClusters(): SimCluster[] {
    for (const cluster of this.clusters.values())
      if (this.clusterStatus(cluster) === 'deleted') this.clusters.delete(cluster.id);
    return [...this.clusters.values()];
  }

  resourceByArn(arn: string): { tags: Tags } | undefined {
    const [, , , , , kind, id] = arn.split(':');
    if (!id) return undefined;
    if (kind === 'db') return this.instances.get(id);
    if (kind === 'cluster') return this.clusters.get(id);
    return this.snapshots.get(id);
  }
}
