import { type AuditEntry } from '../core/audit.ts';
import type pg from 'pg';
import { inTransaction } from './postgres.ts';
import { z } from 'zod';
import type { ApprovalRequest, Decision } from '../core/approval.ts';
import { planSchema, type Plan } from '../core/plan.ts';
import type { AuditStore } from './audit-store.ts';
import type { MessageRef } from './slack.ts';

// Approval requests live in PostgreSQL: each transition locks its row, runs the pure decision,
// stores the new state and its audit rows, and commits them together. Two clicks, a click and a
// reaction, or two bot replicas are serialised by the row lock, so only one can reach "approved".

const person = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), id: z.string() }),
  z.object({ kind: z.literal('group'), handle: z.string() }),
  z.object({ kind: z.literal('everyone') }),
]);
const seats = z.object({ approvers: z.array(person), required: z.number().int() });
const policySchema = z.object({ normal: seats.optional(), breakGlass: seats.optional(), expiresAt: z.coerce.date() });
const approvalSchema = z.object({
  userId: z.string(),
  via: z.enum(['button', 'reaction']),
  at: z.coerce.date(),
  normal: z.boolean(),
  breakGlass: z.boolean(),
});

export type ApprovalRecord = {
  request: ApprovalRequest;
  kind: Plan['kind'];
  env: string;
  target: string;
  team: string | undefined;
  channel: string;
  plan: Plan;
  breakGlass: string | undefined;
  freeze: string | undefined;
  message: MessageRef | undefined;
  mirror: MessageRef | undefined;
  permalink: string | undefined;
  responseUrl: string | undefined;
  planJobId: string | undefined;
  executionJobId: string | undefined;
  correlationId: string;
  createdAt: Date;
  startedAt: Date | undefined;
};

export type NewApproval = Omit<
  ApprovalRecord,
  'createdAt' | 'startedAt' | 'message' | 'mirror' | 'permalink' | 'executionJobId'
>;

const COLUMNS = `id, kind, env, target, requester, team, channel, plan, plan_hash, policy, status, approvals,
  decided_by, decided_at, reason, break_glass, freeze_name, message_channel, message_ts, mirror_channel, mirror_ts,
  permalink, response_url, plan_job_id, execution_job_id, correlation_id, version, created_at, expires_at, started_at`;

function serializePolicy(request: ApprovalRequest): string {
  return JSON.stringify({ ...request.policy, expiresAt: request.policy.expiresAt.toISOString() });
}

function fromRow(row: Record<string, unknown>): ApprovalRecord {
  const text = (value: unknown) => (value === null || value === undefined ? undefined : String(value));
  const date = (value: unknown) => (value === null || value === undefined ? undefined : new Date(value as string));
  const policy = policySchema.parse(row.policy);
  const request: ApprovalRequest = {
    id: String(row.id),
    requester: String(row.requester),
    planHash: String(row.plan_hash),
    policy: { normal: policy.normal, breakGlass: policy.breakGlass, expiresAt: policy.expiresAt },
    status: z
      .enum(['pending', 'approved', 'rejected', 'expired', 'cancelled', 'not-run', 'superseded'])
      .parse(row.status),
    approvals: z.array(approvalSchema).parse(row.approvals),
    decidedBy: text(row.decided_by),
    decidedAt: date(row.decided_at),
    reason: text(row.reason),
    version: Number(row.version),
  };
  const ref = (channel: unknown, ts: unknown) =>
    channel && ts ? { channel: String(channel), ts: String(ts) } : undefined;
  return {
    request,
    kind: planSchema.parse(row.plan).kind,
    env: String(row.env),
    target: String(row.target),
    team: text(row.team),
    channel: String(row.channel),
    plan: planSchema.parse(row.plan),
    breakGlass: text(row.break_glass),
    freeze: text(row.freeze_name),
    message: ref(row.message_channel, row.message_ts),
    mirror: ref(row.mirror_channel, row.mirror_ts),
    permalink: text(row.permalink),
    responseUrl: text(row.response_url),
    planJobId: text(row.plan_job_id),
    executionJobId: text(row.execution_job_id),
    correlationId: String(row.correlation_id),
    createdAt: new Date(row.created_at as string),
    startedAt: date(row.started_at),
  };
}

export type TransitionResult = { record: ApprovalRecord; decision: Decision };

export class ApprovalStore {
  readonly #pool: pg.Pool;
  readonly #audit: AuditStore;

  constructor(pool: pg.Pool, audit: AuditStore) {
    this.#pool = pool;
    this.#audit = audit;
  }

  async create(approval: NewApproval, audit: AuditEntry): Promise<void> {
    await inTransaction(this.#pool, async (client) => {
      const { request } = approval;
      await client.query(
        `INSERT INTO approval_requests (id, kind, env, target, requester, team, channel, plan, plan_hash, policy,
           status, approvals, break_glass, freeze_name, response_url, plan_job_id, correlation_id, version, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [
          request.id,
          approval.kind,
          approval.env,
          approval.target,
          request.requester,
          approval.team ?? null,
          approval.channel,
          JSON.stringify(approval.plan),
          request.planHash,
          serializePolicy(request),
          request.status,
          JSON.stringify(request.approvals),
          approval.breakGlass ?? null,
          approval.freeze ?? null,
          approval.responseUrl ?? null,
          approval.planJobId ?? null,
          approval.correlationId,
          request.version,
          request.policy.expiresAt,
        ],
      );
      await this.#audit.record(audit, client);
    });
  }

  async attachMessages(
    id: string,
    message: MessageRef,
    mirror: MessageRef | undefined,
    permalink: string | undefined,
  ): Promise<void> {
    await this.#pool.query(
      `UPDATE approval_requests
         SET message_channel = $2, message_ts = $3, mirror_channel = $4, mirror_ts = $5, permalink = $6 WHERE id = $1`,
      [id, message.channel, message.ts, mirror?.channel ?? null, mirror?.ts ?? null, permalink ?? null],
    );
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const { rows } = await this.#pool.query(`SELECT ${COLUMNS} FROM approval_requests WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async findByMessage(channel: string, ts: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ id: string }>(
      `SELECT id FROM approval_requests
         WHERE (message_channel = $1 AND message_ts = $2) OR (mirror_channel = $1 AND mirror_ts = $2)`,
      [channel, ts],
    );
    return rows[0]?.id;
  }

  async findByPlanJob(planJobId: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ id: string }>('SELECT id FROM approval_requests WHERE plan_job_id = $1', [
      planJobId,
    ]);
    return rows[0]?.id;
  }

  // The one atomic step: lock, decide, store, audit, commit. `decide` must be pure; `audit` turns its
  // decision into the rows to write (refusals included: they are evidence too).
  async transition(
    id: string,
    decide: (record: ApprovalRecord) => Decision,
    audit: (record: ApprovalRecord, decision: Decision) => AuditEntry[],
  ): Promise<TransitionResult | undefined> {
    return inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query(`SELECT ${COLUMNS} FROM approval_requests WHERE id = $1 FOR UPDATE`, [id]);
      if (!rows[0]) return undefined;
      const record = fromRow(rows[0]);
      const decision = decide(record);
      const next = decision.request;
      if (next.version !== record.request.version) {
        const executionJobId = decision.effects.some((effect) => effect.type === 'execute')
          ? `${record.kind}-${id.replace(/^apr-/, '')}`
          : record.executionJobId;
        await client.query(
          `UPDATE approval_requests SET status = $2, approvals = $3, decided_by = $4, decided_at = $5, reason = $6,
             version = $7, execution_job_id = $8 WHERE id = $1`,
          [
            id,
            next.status,
            JSON.stringify(next.approvals),
            next.decidedBy ?? null,
            next.decidedAt ?? null,
            next.reason ?? null,
            next.version,
            executionJobId ?? null,
          ],
        );
        record.executionJobId = executionJobId;
      }
      for (const entry of audit(record, decision)) await this.#audit.record(entry, client);
      return { record: { ...record, request: next }, decision };
    });
  }

  // Requests still waiting for approval to change the same target, but for `except`: when a change to the
  // target starts, their plans no longer match what runs.
  async pendingFor(target: string, kinds: Plan['kind'][], except: string | undefined): Promise<ApprovalRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS} FROM approval_requests
         WHERE target = $1 AND status = 'pending' AND kind = ANY($2) AND id IS DISTINCT FROM $3
         ORDER BY created_at`,
      [target, kinds, except ?? null],
    );
    return rows.map(fromRow);
  }

  // Every request still waiting for a decision and not past its expiry (App Home's lists).
  async pending(now: Date, limit = 50): Promise<ApprovalRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS} FROM approval_requests WHERE status = 'pending' AND expires_at > $1
         ORDER BY created_at LIMIT $2`,
      [now, limit],
    );
    return rows.map(fromRow);
  }

  // Requests decided since `since`, newest first (App Home shows the ones a person took part in).
  async decidedSince(since: Date, limit = 50): Promise<ApprovalRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS} FROM approval_requests WHERE status <> 'pending' AND decided_at > $1
         ORDER BY decided_at DESC LIMIT $2`,
      [since, limit],
    );
    return rows.map(fromRow);
  }

  // The worker marks the moment it starts; an approved request that never started can be re-enqueued.
  async markStarted(id: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      "UPDATE approval_requests SET started_at = now() WHERE id = $1 AND status = 'approved' AND started_at IS NULL",
      [id],
    );
    return (rowCount ?? 0) > 0;
  }

  async approvedNotStarted(olderThan: Date): Promise<ApprovalRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS} FROM approval_requests
         WHERE status = 'approved' AND started_at IS NULL
           AND decided_at < $1 AND decided_at > now() - interval '1 day'`,
      [olderThan],
    );
    return rows.map(fromRow);
  }
}
