import { list, type XmlValue } from './xml.ts';
import type { RdsState, SimCluster, SimInstance, SimSnapshot, Tags } from './state.ts';

export class RdsFault extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export type Params = Record<string, string>;
export type Action = (params: Params, state: RdsState) => Record<string, XmlValue>;

const ID = /^(?!.*--)[A-Za-z][A-Za-z0-9-]*(?<!-)$/;

function required(params: Params, key: string): string {
  const value = params[key];
  if (!value) throw new RdsFault('MissingParameter', 400, `The request must contain the parameter ${key}`);
  return value;
}

const ID_RULES = [
  'Identifiers must begin with a letter;',
  'must contain only ASCII letters, digits, and hyphens;',
  'and must not end with a hyphen or contain two consecutive hyphens.',
].join(' ');

function identifier(params: Params, key: string, max: number): string {
  const value = required(params, key);
  if (value.length > max || !ID.test(value))
    throw new RdsFault('InvalidParameterValue', 400, `The parameter ${key} is not a valid identifier. ${ID_RULES}`);
  return value.toLowerCase();
}

// Tags arrive as Tags.Tag.N.Key / Tags.Tag.N.Value (the member name of the TagList shape).
export function tagsOf(params: Params): Tags {
  const tags = new Map<number, { Key: string; Value: string }>();
  for (const [key, value] of Object.entries(params)) {
    const match = /^Tags\.(?:Tag|member)\.(\d+)\.(Key|Value)$/.exec(key);
    if (!match) continue;
    const entry = tags.get(Number(match[1])) ?? { Key: '', Value: '' };
    entry[match[2] as 'Key' | 'Value'] = value;
    tags.set(Number(match[1]), entry);
  }
  return [...tags.entries()].sort(([a], [b]) => a - b).map(([, tag]) => tag);
}

const tagList = (tags: Tags) =>
  list(
    'Tag',
    tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
  );
const iso = (ms: number) => new Date(ms).toISOString();

function endpoint(state: RdsState, id: string, cluster: boolean) {
  if (state.endpoint) return { Address: state.endpoint.host, Port: state.endpoint.port };
  return { Address: `${id}.${cluster ? 'cluster-' : ''}c0ffee.${state.region}.rds.amazonaws.com`, Port: 5432 };
}

function instanceXml(state: RdsState, instance: SimInstance): XmlValue {
  const status = state.instanceStatus(instance);
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceClass: instance.instanceClass,
    Engine: instance.engine,
    DBInstanceStatus: status,
    ...(status === 'available' ? { Endpoint: endpoint(state, instance.id, false) } : {}),
    InstanceCreateTime: iso(instance.created),
    DBInstanceArn: state.arn('db', instance.id),
    TagList: tagList(instance.tags),
  };
}

function clusterXml(state: RdsState, cluster: SimCluster): XmlValue {
  const status = state.clusterStatus(cluster);
  return {
    DBClusterIdentifier: cluster.id,
    Engine: cluster.engine,
    Status: status,
    ...(status === 'available'
      ? { Endpoint: endpoint(state, cluster.id, true).Address, Port: endpoint(state, cluster.id, true).Port }
      : {}),
    ClusterCreateTime: iso(cluster.created),
    DBClusterArn: state.arn('cluster', cluster.id),
    TagList: tagList(cluster.tags),
  };
}

function snapshotXml(state: RdsState, snapshot: SimSnapshot): XmlValue {
  const { status, percent } = state.snapshotProgress(snapshot);
  const common = {
    Engine: snapshot.engine,
    Status: status,
    PercentProgress: percent,
    SnapshotCreateTime: iso(snapshot.created),
    AllocatedStorage: snapshot.sizeGb,
    SnapshotType: snapshot.type,
    TagList: tagList(snapshot.tags),
  };
  return snapshot.kind === 'instance'
    ? {
        DBSnapshotIdentifier: snapshot.id,
        DBInstanceIdentifier: snapshot.source,
        DBSnapshotArn: state.arn('snapshot', snapshot.id),
        ...common,
      }
    : {
        DBClusterSnapshotIdentifier: snapshot.id,
        DBClusterIdentifier: snapshot.source,
        DBClusterSnapshotArn: state.arn('cluster-snapshot', snapshot.id),
        ...common,
      };
}

function liveInstance(state: RdsState, id: string): SimInstance {
  const instance = state.liveInstances().find((candidate) => candidate.id === id);
  if (!instance) throw new RdsFault('DBInstanceNotFound', 404, `DBInstance ${id} not found.`);
  return instance;
}

function liveCluster(state: RdsState, id: string): SimCluster {
  const cluster = state.liveClusters().find((candidate) => candidate.id === id);
  if (!cluster) throw new RdsFault('DBClusterNotFoundFault', 404, `DBCluster ${id} not found.`);
  return cluster;
}

function snapshotOf(state: RdsState, id: string, kind: 'instance' | 'cluster'): SimSnapshot {
  const snapshot = state.snapshots.get(id.toLowerCase());
  if (!snapshot || snapshot.gone || snapshot.kind !== kind) {
    throw kind === 'instance'
      ? new RdsFault('DBSnapshotNotFound', 404, `DBSnapshot ${id} not found.`)
      : new RdsFault('DBClusterSnapshotNotFoundFault', 404, `DBClusterSnapshot ${id} not found.`);
  }
  return snapshot;
}

function takeSnapshot(
  state: RdsState,
  id: string,
  source: string,
  kind: 'instance' | 'cluster',
  engine: string,
  tags: Tags,
): SimSnapshot {
  if (state.snapshots.has(id)) {
    throw kind === 'instance'
      ? new RdsFault(
          'DBSnapshotAlreadyExists',
          400,
          `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
        )
      : new RdsFault(
          'DBClusterSnapshotAlreadyExistsFault',
          400,
          `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
        );
  }
  const manual = [...state.snapshots.values()].filter(
    (snapshot) => !snapshot.gone && snapshot.type === 'manual',
  ).length;
  if (manual >= state.snapshotQuota)
    throw new RdsFault('SnapshotQuotaExceeded', 400, `Cannot create more than ${state.snapshotQuota} manual snapshots`);
  const now = state.now();
  const snapshot: SimSnapshot = {
    id,
    source,
    kind,
    engine,
    created: now,
    readyAt: now + state.snapshotMs,
    sizeGb: 20,
    type: 'manual',
    tags,
  };
  state.snapshots.set(id, snapshot);
  return snapshot;
}

export const ACTIONS: Record<string, Action> = {
  DescribeDBInstances: (params, state) => {
    const id = params.DBInstanceIdentifier?.toLowerCase();
    const instances = id ? [liveInstance(state, id)] : state.liveInstances();
    return {
      DBInstances: list(
        'DBInstance',
        instances.map((instance) => instanceXml(state, instance)),
      ),
    };
  },
  DescribeDBClusters: (params, state) => {
    const id = params.DBClusterIdentifier?.toLowerCase();
    const clusters = id ? [liveCluster(state, id)] : state.liveClusters();
    return {
      DBClusters: list(
        'DBCluster',
        clusters.map((cluster) => clusterXml(state, cluster)),
      ),
    };
  },
  CreateDBSnapshot: (params, state) => {
    const id = identifier(params, 'DBSnapshotIdentifier', 255);
    const instance = liveInstance(state, required(params, 'DBInstanceIdentifier').toLowerCase());
    if (state.instanceStatus(instance) !== 'available')
      throw new RdsFault(
        'InvalidDBInstanceState',
        400,
        `DBInstance ${instance.id} is not in available state (it is ${state.instanceStatus(instance)}).`,
      );
    return {
      DBSnapshot: snapshotXml(state, takeSnapshot(state, id, instance.id, 'instance', instance.engine, tagsOf(params))),
    };
  },
  CreateDBClusterSnapshot: (params, state) => {
    const id = identifier(params, 'DBClusterSnapshotIdentifier', 63);
    const cluster = liveCluster(state, required(params, 'DBClusterIdentifier').toLowerCase());
    if (state.clusterStatus(cluster) !== 'available')
      throw new RdsFault('InvalidDBClusterStateFault', 400, `DBCluster ${cluster.id} is not in available state.`);
    return {
      DBClusterSnapshot: snapshotXml(
        state,
        takeSnapshot(state, id, cluster.id, 'cluster', cluster.engine, tagsOf(params)),
      ),
    };
  },
  DescribeDBSnapshots: (params, state) => {
    const snapshots = params.DBSnapshotIdentifier
      ? [snapshotOf(state, params.DBSnapshotIdentifier, 'instance')]
      : [...state.snapshots.values()].filter(
          (snapshot) =>
            !snapshot.gone &&
            snapshot.kind === 'instance' &&
            (!params.DBInstanceIdentifier || snapshot.source === params.DBInstanceIdentifier.toLowerCase()) &&
            (!params.SnapshotType || snapshot.type === params.SnapshotType),
        );
    return {
      DBSnapshots: list(
        'DBSnapshot',
        snapshots.map((snapshot) => snapshotXml(state, snapshot)),
      ),
    };
  },
  DescribeDBClusterSnapshots: (params, state) => {
    const snapshots = params.DBClusterSnapshotIdentifier
      ? [snapshotOf(state, params.DBClusterSnapshotIdentifier, 'cluster')]
      : [...state.snapshots.values()].filter(
          (snapshot) =>
            !snapshot.gone &&
            snapshot.kind === 'cluster' &&
            (!params.DBClusterIdentifier || snapshot.source === params.DBClusterIdentifier.toLowerCase()) &&
            (!params.SnapshotType || snapshot.type === params.SnapshotType),
        );
    return {
      DBClusterSnapshots: list(
        'DBClusterSnapshot',
        snapshots.map((snapshot) => snapshotXml(state, snapshot)),
      ),
    };
  },
  RestoreDBInstanceFromDBSnapshot: (params, state) => {
    const id = identifier(params, 'DBInstanceIdentifier', 63);
    const snapshot = snapshotOf(state, required(params, 'DBSnapshotIdentifier'), 'instance');
    if (state.snapshotProgress(snapshot).status !== 'available')
      throw new RdsFault('InvalidDBSnapshotState', 400, `DBSnapshot ${snapshot.id} is not available.`);
    if (state.liveInstances().some((instance) => instance.id === id))
      throw new RdsFault('DBInstanceAlreadyExists', 400, `DB instance already exists: ${id}`);
    const now = state.now();
    const instance: SimInstance = {
      id,
      engine: snapshot.engine,
      instanceClass: params.DBInstanceClass ?? 'db.t3.medium',
      created: now,
      readyAt: now + state.restoreMs,
      tags: tagsOf(params),
      fromSnapshot: snapshot.id,
    };
    state.instances.set(id, instance);
    return { DBInstance: instanceXml(state, instance) };
  },
  RestoreDBClusterFromSnapshot: (params, state) => {
    const id = identifier(params, 'DBClusterIdentifier', 63);
    const snapshot = snapshotOf(state, required(params, 'SnapshotIdentifier'), 'cluster');
    if (state.liveClusters().some((cluster) => cluster.id === id))
      throw new RdsFault('DBClusterAlreadyExistsFault', 400, `DB cluster already exists: ${id}`);
    const now = state.now();
    const cluster: SimCluster = {
      id,
      engine: params.Engine ?? snapshot.engine,
      created: now,
      readyAt: now + state.restoreMs,
      tags: tagsOf(params),
      fromSnapshot: snapshot.id,
    };
    state.clusters.set(id, cluster);
    return { DBCluster: clusterXml(state, cluster) };
  },
  DeleteDBSnapshot: (params, state) => {
    const snapshot = snapshotOf(state, required(params, 'DBSnapshotIdentifier'), 'instance');
    snapshot.gone = true;
    return { DBSnapshot: { ...(snapshotXml(state, snapshot) as Record<string, XmlValue>), Status: 'deleted' } };
  },
  DeleteDBClusterSnapshot: (params, state) => {
    const snapshot = snapshotOf(state, required(params, 'DBClusterSnapshotIdentifier'), 'cluster');
    snapshot.gone = true;
    return { DBClusterSnapshot: { ...(snapshotXml(state, snapshot) as Record<string, XmlValue>), Status: 'deleted' } };
  },
  DeleteDBInstance: (params, state) => {
    const instance = liveInstance(state, required(params, 'DBInstanceIdentifier').toLowerCase());
    if (params.SkipFinalSnapshot !== 'true' && !params.FinalDBSnapshotIdentifier)
      throw new RdsFault(
        'InvalidParameterCombination',
        400,
        'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
      );
    instance.deletingAt = state.now();
    return { DBInstance: instanceXml(state, instance) };
  },
  DeleteDBCluster: (params, state) => {
    const cluster = liveCluster(state, required(params, 'DBClusterIdentifier').toLowerCase());
    cluster.deletingAt = state.now();
    return { DBCluster: clusterXml(state, cluster) };
  },
  AddTagsToResource: (params, state) => {
    const resource = state.resourceByArn(required(params, 'ResourceName'));
    if (!resource) throw new RdsFault('DBSnapshotNotFound', 404, `Resource ${params.ResourceName} not found.`);
    for (const tag of tagsOf(params)) {
      const existing = resource.tags.find((candidate) => candidate.Key === tag.Key);
      if (existing) existing.Value = tag.Value;
      else resource.tags.push(tag);
    }
    return {};
  },
  ListTagsForResource: (params, state) => {
    const resource = state.resourceByArn(required(params, 'ResourceName'));
    if (!resource) throw new RdsFault('DBSnapshotNotFound', 404, `Resource ${params.ResourceName} not found.`);
    return { TagList: tagList(resource.tags) };
  },
};
