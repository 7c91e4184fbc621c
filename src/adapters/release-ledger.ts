import type pg from 'pg';
import { z } from 'zod';
import type { FinishedRelease } from '../core/delivery.ts';
import {
  RELEASE_OUTCOMES,
  releaseSchema,
  type Release,
  type ReleaseChange,
  type ReleaseOutcome,
} from '../core/release.ts';

// A release as its job starts: who asked, for what, from where. Its identity in the cluster (the new
// ReplicaSet) is known only once the rollout ran, so it comes with the result.
export type NewRelease = {
  kind: 'deploy' | 'rollback';
  service: string;
  env: string;
  context: string;
  namespace: string;
  deployment: string;
  image: string;
  version: string;
  strategy: string;
  requester: string;
  approvers: string[];
  // When the approval that let it run was given; undefined when it needed none.
  approvedAt: Date | undefined;
  reason: string | undefined;
  jobId: string;
  incidentChannel: string | undefined;
  requestedAt: Date;
  rolledBackFrom: number | undefined;
};

export type ReleaseIdentity = { rsUid: string; templateHash: string | undefined; revision: number };

export type ReleaseResult = {
  jobId: string;
  outcome: ReleaseOutcome;
  detail: string;
  identity?: ReleaseIdentity | undefined;
  digest?: string | undefined;
};

export const COLUMNS = `id, kind, service, env, context, namespace, deployment, rs_uid, template_hash, revision, image, digest,
  version, strategy, requester, approvers, reason, job_id, incident_channel, requested_at, started_at, finished_at,
  outcome, outcome_detail, rolled_back_from, rolled_back_at, rolled_back_by`;

// The release ledger (migration 5). Writes take the client of the transaction that records the same
// stage in the audit log, so a row and its audit row commit together or not at all.
export class ReleaseLedger {
  readonly #pool: pg.Pool;
  readonly #observe: (release: FinishedRelease) => void;

  // `observe` hears of each outcome once, after it committed (the Prometheus series).
  constructor(pool: pg.Pool, observe: (release: FinishedRelease) => void = () => undefined) {
    this.#pool = pool;
    this.#observe = observe;
  }

  // Once per job: a retried job, a replica or the re-run after a stall finds its row and adds none.
  async start(client: pg.PoolClient, release: NewRelease): Promise<void> {
    await client.query(
      `INSERT INTO releases (kind, service, env, context, namespace, deployment, image, version, strategy, requester,
         approvers, reason, job_id, incident_channel, requested_at, rolled_back_from, approved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (job_id) DO NOTHING`,
      [
        release.kind,
        release.service,
        release.env,
        release.context,
        release.namespace,
        release.deployment,
        release.image,
        release.version,
        release.strategy,
        release.requester,
        release.approvers,
        release.reason ?? null,
        release.jobId,
        release.incidentChannel ?? null,
        release.requestedAt,
        release.rolledBackFrom ?? null,
        release.approvedAt ?? null,
      ],
    );
  }

  // The outcome's write, for the transaction of the result's audit row, and what to call once that
  // committed: the outcome is observed only when this write set it, so a retried job counts once.
  finishing(result: ReleaseResult): { write: (client: pg.PoolClient) => Promise<void>; committed: () => void } {
    let finished: FinishedRelease | undefined;
    return {
      write: async (client) => {
        finished = await this.finish(client, result);
      },
      committed: () => {
        if (finished) this.#observe(finished);
      },
    };
  }

  // The outcome, once. A rollback that succeeded marks the release it moved away from as rolled back.
  async finish(client: pg.PoolClient, result: ReleaseResult): Promise<FinishedRelease | undefined> {
    const { rows } = await client.query<
      Record<string, unknown> & { id: string; kind: string; rolled_back_from: string | null }
    >(
      `UPDATE releases SET outcome = $2, outcome_detail = $3, finished_at = clock_timestamp(),
         rs_uid = COALESCE($4, rs_uid), template_hash = COALESCE($5, template_hash),
         revision = COALESCE($6, revision), digest = COALESCE($7, digest)
       WHERE job_id = $1 AND outcome IS NULL
       RETURNING id, kind, rolled_back_from, service, env, outcome, requested_at, approved_at, finished_at`,
      [
        result.jobId,
        result.outcome,
        result.detail,
        result.identity?.rsUid ?? null,
        result.identity?.templateHash ?? null,
        result.identity?.revision ?? null,
        result.digest ?? null,
      ],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.kind === 'rollback' && result.outcome === 'succeeded' && row.rolled_back_from !== null)
      await client.query(
        `UPDATE releases SET outcome = 'rolled_back', rolled_back_at = clock_timestamp(), rolled_back_by = $2
         WHERE id = $1 AND outcome = 'succeeded'`,
        [row.rolled_back_from, row.id],
      );
    // What the metrics hear of it: never a reason to fail the result's transaction.
    const finished = finishedRelease.safeParse(row);
    return finished.success ? finished.data : undefined;
  }

  // A service's releases in one environment, newest first.
  async forTarget(service: string, env: string, limit = 200): Promise<Release[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS} FROM releases WHERE service = $1 AND env = $2 ORDER BY started_at DESC, id DESC LIMIT $3`,
      [service, env, limit],
    );
    return rows.map(toRelease);
  }

  // What changed since `since`, everywhere or for one service or one environment, newest first, each
  // with the version that ran before it: the newest earlier release of its service and environment
  // that went live (succeeded, or succeeded and was later rolled back away from).
  async changedSince(filter: { since: Date; service?: string; env?: string; limit: number }): Promise<ReleaseChange[]> {
    const { rows } = await this.#pool.query(
      `SELECT h.*, (SELECT p.version FROM releases p
           WHERE p.service = h.service AND p.env = h.env AND p.outcome IN ('succeeded', 'rolled_back')
             AND (p.started_at, p.id) < (h.started_at, h.id)
           ORDER BY p.started_at DESC, p.id DESC LIMIT 1) AS from_version
       FROM (SELECT ${COLUMNS} FROM releases
             WHERE started_at >= $1 AND ($2::text IS NULL OR service = $2) AND ($3::text IS NULL OR env = $3)
             ORDER BY started_at DESC, id DESC LIMIT $4) h
       ORDER BY h.started_at DESC, h.id DESC`,
      [filter.since, filter.service ?? null, filter.env ?? null, filter.limit],
    );
    return rows.map((row: Record<string, unknown>) => ({
      release: toRelease(row),
      from: fromVersion.parse(row.from_version) ?? undefined,
    }));
  }

  async byJob(jobId: string): Promise<Release | undefined> {
    const { rows } = await this.#pool.query(`SELECT ${COLUMNS} FROM releases WHERE job_id = $1`, [jobId]);
    return rows[0] ? toRelease(rows[0]) : undefined;
  }

  // The newest releases into these Deployments (blue-green: both colours), newest first, for /deploy
  // history: the releases_target index (service, env, started_at) with a LIMIT, so its cost does not
  // grow with the ledger.
  async ofDeployments(
    target: { service: string; env: string; deployments: string[] },
    limit: number,
  ): Promise<Release[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS} FROM releases WHERE service = $1 AND env = $2 AND deployment = ANY($3::text[])
       ORDER BY started_at DESC, id DESC LIMIT $4`,
      [target.service, target.env, target.deployments, limit],
    );
    return rows.map(toRelease);
  }
}

const fromVersion = z.string().nullable();

const finishedRelease = z
  .object({
    service: z.string(),
    env: z.string(),
    outcome: z.enum(RELEASE_OUTCOMES),
    requested_at: z.date(),
    approved_at: z.date().nullable(),
    finished_at: z.date(),
  })
  .transform((row): FinishedRelease => ({
    service: row.service,
    env: row.env,
    outcome: row.outcome,
    requestedAt: row.requested_at,
    approvedAt: row.approved_at ?? undefined,
    finishedAt: row.finished_at,
  }));

export function toRelease(row: Record<string, unknown>): Release {
  return releaseSchema.parse({
    id: row.id,
    kind: row.kind,
    service: row.service,
    env: row.env,
    context: row.context,
    namespace: row.namespace,
    deployment: row.deployment,
    rsUid: row.rs_uid,
    templateHash: row.template_hash,
    revision: row.revision,
    image: row.image,
    digest: row.digest,
    version: row.version,
    strategy: row.strategy,
    requester: row.requester,
    approvers: row.approvers,
    reason: row.reason,
    jobId: row.job_id,
    incidentChannel: row.incident_channel,
    requestedAt: row.requested_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    outcomeDetail: row.outcome_detail,
    rolledBackFrom: row.rolled_back_from,
    rolledBackAt: row.rolled_back_at,
    rolledBackBy: row.rolled_back_by,
  });
}
