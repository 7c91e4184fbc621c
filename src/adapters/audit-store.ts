import type pg from 'pg';
import type { Logger } from 'pino';
import type { AuditEntry, AuditRow } from '../core/audit.ts';
import { inTransaction, inTransactionWithin } from './postgres.ts';

export type AuditQuery = {
  since: Date;
  actor?: string;
  target?: string;
  jobId?: string;
  correlationId?: string;
  limit: number;
};

// A write that belongs to the same transaction as an audit row.
export type Alongside = (client: pg.PoolClient) => Promise<void>;

const COMMAND_TEXT_MAX = 500;

// PostgreSQL text cannot hold NUL, and raw control characters make evidence hard to read: both are
// kept, visibly escaped, so that what a person sent is recorded exactly enough to tell what it was.
function storable(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function storableDetails(details: Record<string, unknown> | undefined): string {
  return JSON.stringify(details ?? {}).replace(/\\u0000/g, '\\\\u0000');
}

export class AuditStore {
  readonly #pool: pg.Pool;
  readonly #logger: Logger;
  readonly #failed: () => void;

  // `failed` hears of every row PostgreSQL did not take (a Prometheus counter; alerts watch it).
  constructor(pool: pg.Pool, logger: Logger, failed: () => void = () => undefined) {
    this.#pool = pool;
    this.#logger = logger;
    this.#failed = failed;
  }

  // Throws when PostgreSQL cannot take the row: callers that change production must fail closed.
  // With `client`, the row is part of that client's transaction (it commits with the decision it records).
  async record(entry: AuditEntry, client?: pg.PoolClient): Promise<number> {
    const command =
      entry.command !== undefined && entry.command.length > COMMAND_TEXT_MAX
        ? `${entry.command.slice(0, COMMAND_TEXT_MAX)}…`
        : entry.command;
    this.#logger.info({ audit: true, ...entry, command }, `audit ${entry.event} ${entry.decision}`);
    const { rows } = await this.#insert(client, entry, command);
    return Number(rows[0]!.id);
  }

  async #insert(client: pg.PoolClient | undefined, entry: AuditEntry, command: string | undefined) {
    const inserted = (client ?? this.#pool).query<{ id: string }>(
      `INSERT INTO audit_events (at, event, decision, actor, team, channel, command, action, target, reason,
         correlation_id, job_id, plan_hash, permalink, details)
       VALUES (COALESCE($15, clock_timestamp()), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       RETURNING id`,
      [
        entry.event,
        entry.decision,
        storable(entry.actor),
        storable(entry.team),
        storable(entry.channel),
        storable(command),
        storable(entry.action),
        storable(entry.target),
        storable(entry.reason),
        entry.correlationId,
        storable(entry.jobId),
        storable(entry.planHash),
        storable(entry.permalink),
        storableDetails(entry.details),
        entry.at ?? null,
      ],
    );
    return inserted.catch((error: unknown) => {
      this.#failed();
      throw error;
    });
  }

  // record(), committed within `ms` or not at all (DeadlinePassed): for a write in front of Slack's ack.
  async recordWithin(entry: AuditEntry, ms: number): Promise<number> {
    return inTransactionWithin(this.#pool, ms, (client) => this.record(entry, client));
  }

  // record(), with `alongside` in the same transaction: a row elsewhere (the release ledger) that
  // must commit with the stage this row records, or not at all.
  async recordWith(entry: AuditEntry, alongside: Alongside): Promise<number> {
    return inTransaction(this.#pool, async (client) => {
      const id = await this.record(entry, client);
      await alongside(client);
      return id;
    });
  }

  // The result row of a change whose start is recorded and whose result is not: written by whichever
  // process gets here first, however many try at once (an advisory lock on the job id serialises the
  // check and the insert). False when there is nothing to write: no start, or a result already.
  async recordMissingResult(
    entry: AuditEntry & { jobId: string; action: string },
    alongside?: Alongside,
  ): Promise<boolean> {
    const kind = entry.action.replace(/\.result$/, '');
    return inTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`result:${entry.jobId}`]);
      const { rows } = await client.query<{ started: boolean; ended: boolean }>(
        `SELECT COALESCE(bool_or(action IN ($2, $3)), false) AS started, COALESCE(bool_or(action = $4), false) AS ended
           FROM audit_events WHERE job_id = $1`,
        [entry.jobId, `${kind}.start`, `${kind}.resume`, `${kind}.result`],
      );
      if (!rows[0]?.started || rows[0].ended) return false;
      await this.record(entry, client);
      await alongside?.(client);
      return true;
    });
  }

  async query(query: AuditQuery): Promise<AuditRow[]> {
    const conditions = ['at >= $1'];
    const values: unknown[] = [query.since];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      values.push(value);
      conditions.push(`${column} = $${values.length}`);
    };
    add('actor', query.actor);
    add('job_id', query.jobId);
    add('correlation_id', query.correlationId);
    if (query.target !== undefined) {
      values.push(query.target);
      conditions.push(targetMatches(`$${values.length}`));
    }
    values.push(query.limit);
    const { rows } = await this.#pool.query(
      `SELECT id, at, event, decision, actor, team, channel, command, action, target, reason,
           correlation_id, job_id, plan_hash, permalink, details
         FROM audit_events WHERE ${conditions.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map(toRow);
  }
}

// A target matches itself, what lies under it (env/service) and what ends in it (service in any env).
function targetMatches(param: string): string {
  return `(target = ${param} OR target LIKE ${param} || '/%' OR target LIKE '%/' || ${param})`;
}

function toRow(row: Record<string, unknown>): AuditRow {
  const text = (value: unknown) => (value === null ? undefined : String(value));
  return {
    id: Number(row.id),
    at: row.at as Date,
    event: String(row.event),
    decision: String(row.decision),
    actor: String(row.actor),
    team: text(row.team),
    channel: text(row.channel),
    command: text(row.command),
    action: text(row.action),
    target: text(row.target),
    reason: text(row.reason),
    correlationId: String(row.correlation_id),
    jobId: text(row.job_id),
    planHash: text(row.plan_hash),
    permalink: text(row.permalink),
    details: row.details as Record<string, unknown>,
  };
}
