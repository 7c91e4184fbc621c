import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type RDSClientConfig,
} from '@aws-sdk/client-rds';
import { z } from 'zod';

// Everything ops-bot asks of RDS, in our words: snapshots of instances (CreateDBSnapshot) and of
// Aurora clusters (CreateDBClusterSnapshot), restores into new resources, deletions. Answers are
// parsed into small shapes; SDK faults become RdsError with AWS's code.
export type RdsEngine = 'rds-instance' | 'rds-cluster';
export type Tagged = Record<string, string>;
export type SnapshotState = {
  id: string;
  source: string;
  status: string;
  percent: number;
  sizeGb: number | undefined;
  created: Date | undefined;
  type: string | undefined;
  tags: Tagged;
};
export type ResourceState = { id: string; status: string; endpoint: string | undefined; tags: Tagged };

export class RdsError extends Error {
  override readonly name = 'RdsError';
  readonly code: string;
  readonly status: number | undefined;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const tagList = z.array(z.object({ Key: z.string().optional(), Value: z.string().optional() })).optional();
const snapshotShape = z.object({
  DBSnapshotIdentifier: z.string().optional(),
  DBClusterSnapshotIdentifier: z.string().optional(),
  DBInstanceIdentifier: z.string().optional(),
  DBClusterIdentifier: z.string().optional(),
  Status: z.string().optional(),
  PercentProgress: z.number().optional(),
  AllocatedStorage: z.number().optional(),
  SnapshotCreateTime: z.date().optional(),
  SnapshotType: z.string().optional(),
  TagList: tagList,
});
const instanceShape = z.object({
  DBInstanceIdentifier: z.string().optional(),
  DBInstanceStatus: z.string().optional(),
  Endpoint: z.object({ Address: z.string().optional(), Port: z.number().optional() }).optional(),
  TagList: tagList,
});
const clusterShape = z.object({
  DBClusterIdentifier: z.string().optional(),
  Status: z.string().optional(),
  Endpoint: z.string().optional(),
  Port: z.number().optional(),
  TagList: tagList,
});

function tags(list: z.output<typeof tagList>): Tagged {
  return Object.fromEntries((list ?? []).filter((tag) => tag.Key).map((tag) => [tag.Key!, tag.Value ?? '']));
}

function toTagList(tagged: Tagged) {
  return Object.entries(tagged).map(([Key, Value]) => ({ Key, Value }));
}

function toSnapshot(raw: unknown): SnapshotState {
  const parsed = snapshotShape.parse(raw);
  return {
    id: parsed.DBSnapshotIdentifier ?? parsed.DBClusterSnapshotIdentifier ?? '?',
    source: parsed.DBInstanceIdentifier ?? parsed.DBClusterIdentifier ?? '?',
    status: parsed.Status ?? 'unknown',
    percent: parsed.PercentProgress ?? (parsed.Status === 'available' ? 100 : 0),
    sizeGb: parsed.AllocatedStorage,
    created: parsed.SnapshotCreateTime,
    type: parsed.SnapshotType,
    tags: tags(parsed.TagList),
  };
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const fault = error as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    const code = (fault.Code ?? fault.name ?? 'Error').replace(/Fault$/, '').replace(/Exception$/, '');
    throw new RdsError(code, `${what}: ${fault.message ?? String(error)}`, fault.$metadata?.httpStatusCode);
  }
}

export type RdsOptions = {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
};

export class RdsGateway {
  readonly #options: RdsOptions;
  readonly #clients = new Map<string, RDSClient>();

  // Without options the SDK's defaults apply: credentials from the default chain, and the endpoint
  // from AWS_ENDPOINT_URL_RDS / AWS_ENDPOINT_URL when set (how the sandbox reaches its simulator).
  constructor(options: RdsOptions = {}) {
    this.#options = options;
  }

  #client(region: string): RDSClient {
    let client = this.#clients.get(region);
    if (!client) {
      const config: RDSClientConfig = {
        region,
        maxAttempts: this.#options.maxAttempts ?? 3,
        ...(this.#options.endpoint ? { endpoint: this.#options.endpoint } : {}),
        ...(this.#options.credentials ? { credentials: this.#options.credentials } : {}),
      };
      client = new RDSClient(config);
      this.#clients.set(region, client);
    }
    return client;
  }

  async createSnapshot(
    region: string,
    engine: RdsEngine,
    source: string,
    id: string,
    tagged: Tagged,
  ): Promise<SnapshotState> {
    const client = this.#client(region);
    if (engine === 'rds-instance') {
      const out = await call(`CreateDBSnapshot of ${source}`, () =>
        client.send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: source,
            DBSnapshotIdentifier: id,
            Tags: toTagList(tagged),
          }),
        ),
      );
      return toSnapshot(out.DBSnapshot);
    }
    const out = await call(`CreateDBClusterSnapshot of ${source}`, () =>
      client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: source,
          DBClusterSnapshotIdentifier: id,
          Tags: toTagList(tagged),
        }),
      ),
    );
    return toSnapshot(out.DBClusterSnapshot);
  }

  async snapshot(region: string, engine: RdsEngine, id: string): Promise<SnapshotState | undefined> {
    const client = this.#client(region);
    try {
      if (engine === 'rds-instance')
        return toSnapshot(
          (
            await call('DescribeDBSnapshots', () =>
              client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id })),
            )
          ).DBSnapshots?.[0],
        );
      return toSnapshot(
        (
          await call('DescribeDBClusterSnapshots', () =>
            client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })),
          )
        ).DBClusterSnapshots?.[0],
      );
    } catch (error) {
      if (error instanceof RdsError && /NotFound/.test(error.code)) return undefined;
      throw error;
    }
  }

  async snapshots(region: string, engine: RdsEngine, source: string | undefined): Promise<SnapshotState[]> {
    const client = this.#client(region);
    if (engine === 'rds-instance')
      return (
        (
          await call('DescribeDBSnapshots', () =>
            client.send(
              new DescribeDBSnapshotsCommand({
                ...(source ? { DBInstanceIdentifier: source } : {}),
                SnapshotType: 'manual',
              }),
            ),
          )
        ).DBSnapshots ?? []
      ).map(toSnapshot);
    return (
      (
        await call('DescribeDBClusterSnapshots', () =>
          client.send(
            new DescribeDBClusterSnapshotsCommand({
              ...(source ? { DBClusterIdentifier: source } : {}),
              SnapshotType: 'manual',
            }),
          ),
        )
      ).DBClusterSnapshots ?? []
    ).map(toSnapshot);
  }

  async resource(region: string, engine: RdsEngine, id: string): Promise<ResourceState | undefined> {
    const client = this.#client(region);
    try {
      if (engine === 'rds-instance') {
        const found = instanceShape.parse(
          (
            await call('DescribeDBInstances', () =>
              client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
            )
          ).DBInstances?.[0] ?? {},
        );
        return {
          id,
          status: found.DBInstanceStatus ?? 'unknown',
          endpoint: found.Endpoint?.Address ? `${found.Endpoint.Address}:${found.Endpoint.Port ?? 5432}` : undefined,
          tags: tags(found.TagList),
        };
      }
      const found = clusterShape.parse(
        (
          await call('DescribeDBClusters', () =>
            client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
          )
        ).DBClusters?.[0] ?? {},
      );
      return {
        id,
        status: found.Status ?? 'unknown',
        endpoint: found.Endpoint ? `${found.Endpoint}:${found.Port ?? 5432}` : undefined,
        tags: tags(found.TagList),
      };
    } catch (error) {
      if (error instanceof RdsError && /NotFound/.test(error.code)) return undefined;
      throw error;
    }
  }

  // Always into a NEW instance or cluster: RDS cannot restore over an existing one, and neither may we.
  async restore(
    region: string,
    engine: RdsEngine,
    snapshotId: string,
    target: string,
    options: { instanceClass?: string; subnetGroup?: string; tags: Tagged },
  ): Promise<ResourceState> {
    const client = this.#client(region);
    if (engine === 'rds-instance') {
      await call(`RestoreDBInstanceFromDBSnapshot ${snapshotId} → ${target}`, () =>
        client.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: target,
            DBSnapshotIdentifier: snapshotId,
            Tags: toTagList(options.tags),
            ...(options.instanceClass ? { DBInstanceClass: options.instanceClass } : {}),
            ...(options.subnetGroup ? { DBSubnetGroupName: options.subnetGroup } : {}),
          }),
        ),
      );
    } else {
      await call(`RestoreDBClusterFromSnapshot ${snapshotId} → ${target}`, () =>
        client.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: target,
            SnapshotIdentifier: snapshotId,
            Engine: 'aurora-postgresql',
            Tags: toTagList(options.tags),
            ...(options.subnetGroup ? { DBSubnetGroupName: options.subnetGroup } : {}),
          }),
        ),
      );
    }
    return { id: target, status: 'creating', endpoint: undefined, tags: options.tags };
  }

  async deleteSnapshot(region: string, engine: RdsEngine, id: string): Promise<void> {
    const client = this.#client(region);
    if (engine === 'rds-instance')
      await call(`DeleteDBSnapshot ${id}`, () =>
        client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })),
      );
    else
      await call(`DeleteDBClusterSnapshot ${id}`, () =>
        client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id })),
      );
  }

  // Only for what ops-bot created for a verify: no final snapshot, it was a throwaway copy.
  async deleteScratch(region: string, engine: RdsEngine, id: string): Promise<void> {
    const client = this.#client(region);
    if (engine === 'rds-instance')
      await call(`DeleteDBInstance ${id}`, () =>
        client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true })),
      );
    else
      await call(`DeleteDBCluster ${id}`, () =>
        client.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true })),
      );
  }
}
