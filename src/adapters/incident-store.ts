import type { IncidentRecord, NewIncident, TimelineRow } from '../core/incident-record.ts';
import { type AuditEntry } from '../core/audit.ts';
import type pg from 'pg';
import { inTransaction } from './postgres.ts';
import { esc } from '../core/mrkdwn.ts';
import { z } from 'zod';
import { SEVERITIES } from '../core/grammar/values.ts';
import { applyIncidentEvent, type IncidentEvent, type Transition } from '../core/incident-events.ts';
import { INCIDENT_STATUSES, type SeverityChange } from '../core/incident.ts';
import type { AuditStore } from './audit-store.ts';

// Incidents and their timelines live in PostgreSQL. Every change locks the row, applies the pure
// transition (core/incident-events.ts), and commits the new state, its timeline lines and its audit
// rows together; `steps` records which side effects of the set-up and of each change are done.

const date = z.coerce.date();
const optionalDate = date.nullable().transform((value) => value ?? undefined);
const optionalText = z
  .string()
  .nullable()
  .transform((value) => value ?? undefined);
const row = z.object({
  id: z.string(),
  delivery_key: z.string(),
  title: z.string(),
  description: optionalText,
  severity: z.enum(SEVERITIES),
  status: z.enum(INCIDENT_STATUSES),
  setup: z.enum(['pending', 'done', 'failed']),
  commander: optionalText,
  declared_by: z.string(),
  services: z.array(z.string()),
  origin_channel: optionalText,
  channel_name: optionalText,
  channel_id: optionalText,
  correlation_id: z.string(),
  declared_at: date,
  acknowledged_at: optionalDate,
  acknowledged_by: optionalText,
  first_resolved_at: optionalDate,
  resolved_at: optionalDate,
  resolved_by: optionalText,
  summary: optionalText,
  last_update_at: date,
  archived_at: optionalDate,
  card_ts: optionalText,
  version: z.number(),
  card_version: z.number(),
  clock_gen: z.number(),
  steps: z.record(z.string(), z.unknown()),
  severity_history: z.array(
    z.object({ at: z.string(), from: z.enum(SEVERITIES).nullable(), to: z.enum(SEVERITIES), by: z.string() }),
  ),
});

function fromRow(raw: unknown): IncidentRecord {
  const r = row.parse(raw);
  return {
    id: r.id,
    deliveryKey: r.delivery_key,
    title: r.title,
    description: r.description,
    severity: r.severity,
    status: r.status,
    setup: r.setup,
    commander: r.commander,
    declaredBy: r.declared_by,
    services: r.services,
    originChannel: r.origin_channel,
    channelName: r.channel_name,
    channelId: r.channel_id,
    correlationId: r.correlation_id,
    declaredAt: r.declared_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    firstResolvedAt: r.first_resolved_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    summary: r.summary,
    lastUpdateAt: r.last_update_at,
    archivedAt: r.archived_at,
    cardTs: r.card_ts,
    version: r.version,
    cardVersion: r.card_version,
    clockGen: r.clock_gen,
    steps: r.steps,
    severityHistory: r.severity_history as SeverityChange[],
  };
}

export type ChangeResult =
  | { record: IncidentRecord; transition: Extract<Transition, { ok: true }> }
  | { refused: Extract<Transition, { ok: false }>; record: IncidentRecord };

export class IncidentStore {
  readonly #pool: pg.Pool;
  readonly #audit: AuditStore;

  constructor(pool: pg.Pool, audit: AuditStore) {
    this.#pool = pool;
    this.#audit = audit;
  }

  // The declaration's row and its first timeline line; the same id again (a retried job) adds nothing.
  async create(incident: NewIncident, audit?: AuditEntry): Promise<IncidentRecord> {
    return inTransaction(this.#pool, async (client) => {
      const history: SeverityChange[] = [
        { at: incident.declaredAt.toISOString(), from: null, to: incident.severity, by: incident.declaredBy },
      ];
      const inserted = await client.query(
        `INSERT INTO incidents (id, delivery_key, title, description, severity, status, declared_by, services,
           origin_channel, correlation_id, declared_at, last_update_at, severity_history)
         VALUES ($1, $2, $3, $4, $5, 'investigating', $6, $7, $8, $9, $10, $10, $11)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [
          incident.id,
          incident.deliveryKey,
          incident.title,
          incident.description ?? null,
          incident.severity,
          incident.declaredBy,
          incident.services,
          incident.originChannel ?? null,
          incident.correlationId,
          incident.declaredAt,
          JSON.stringify(history),
        ],
      );
      if (inserted.rowCount === 1) {
        await this.#addTimeline(client, incident.id, {
          kind: 'declared',
          actor: incident.declaredBy,
          text: `${incident.severity} declared by <@${incident.declaredBy}>: ${esc(incident.title)}`,
          at: incident.declaredAt,
        });
        if (audit) await this.#audit.record(audit, client);
      }
      const { rows } = await client.query('SELECT * FROM incidents WHERE id = $1', [incident.id]);
      return fromRow(rows[0]);
    });
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const { rows } = await this.#pool.query('SELECT * FROM incidents WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async byChannel(channelId: string): Promise<IncidentRecord | undefined> {
    const { rows } = await this.#pool.query('SELECT * FROM incidents WHERE channel_id = $1', [channelId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  // How many are open, as `open` counts them (for the Prometheus gauge).
  async openCount(): Promise<number> {
    const { rows } = await this.#pool.query<{ count: string }>(
      `SELECT count(*) FROM incidents WHERE status <> 'resolved' AND setup <> 'failed'`,
    );
    return Number(rows[0]!.count);
  }

  async open(limit = 50): Promise<IncidentRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT * FROM incidents WHERE status <> 'resolved' AND setup <> 'failed' ORDER BY declared_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map(fromRow);
  }

  // Changes whose effects were stored but not marked done, older than `before`: the sweeper's work.
  async pendingEffects(before: Date): Promise<{ incidentId: string; key: string; value: unknown }[]> {
    const { rows } = await this.#pool.query<{ id: string; key: string; value: unknown }>(
      `SELECT i.id, e.key, e.value FROM incidents i, jsonb_each(i.steps) e
        WHERE (i.status <> 'resolved' OR i.resolved_at > now() - interval '1 day') AND e.key ~ '^effects\\.v[0-9]+$'
          AND NOT i.steps ? (e.key || '.done') AND (e.value->>'at')::bigint < $1 LIMIT 100`,
      [before.getTime()],
    );
    return rows.map((r) => ({ incidentId: r.id, key: r.key, value: r.value }));
  }

  // Declarations whose set-up never finished nor failed, older than `before`.
  async unfinishedDeclarations(before: Date): Promise<IncidentRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT * FROM incidents
         WHERE setup = 'pending' AND declared_at < $1 AND declared_at > now() - interval '1 day' LIMIT 100`,
      [before],
    );
    return rows.map(fromRow);
  }

  async declaredSince(since: Date): Promise<IncidentRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT * FROM incidents WHERE declared_at >= $1 AND setup <> 'failed' ORDER BY declared_at DESC LIMIT 100`,
      [since],
    );
    return rows.map(fromRow);
  }

  // A step of the set-up or of a change's effects, done (value: what it produced, or true).
  async markStep(id: string, step: string, value: unknown): Promise<void> {
    await this.markSteps(id, { [step]: value });
  }

  // Several steps in one write.
  async markSteps(id: string, steps: Record<string, unknown>): Promise<void> {
    await this.#pool.query('UPDATE incidents SET steps = steps || $2::jsonb WHERE id = $1', [
      id,
      JSON.stringify(steps),
    ]);
  }

  async setChannel(id: string, channelId: string, channelName: string): Promise<void> {
    await this.#pool.query('UPDATE incidents SET channel_id = $2, channel_name = $3 WHERE id = $1', [
      id,
      channelId,
      channelName,
    ]);
  }

  async setCard(id: string, ts: string): Promise<void> {
    await this.#pool.query('UPDATE incidents SET card_ts = $2 WHERE id = $1', [id, ts]);
  }

  async setSetup(id: string, setup: 'done' | 'failed'): Promise<void> {
    await this.#pool.query('UPDATE incidents SET setup = $2 WHERE id = $1', [id, setup]);
  }

  // Rendered card versions only move forward: an older render that lost a race is not recorded.
  async markCardRendered(id: string, version: number): Promise<void> {
    await this.#pool.query('UPDATE incidents SET card_version = GREATEST(card_version, $2) WHERE id = $1', [
      id,
      version,
    ]);
  }

  async setArchived(id: string, archivedAt: Date | undefined): Promise<void> {
    await this.#pool.query('UPDATE incidents SET archived_at = $2 WHERE id = $1', [id, archivedAt ?? null]);
  }

  // One change: lock, decide, store state + timeline + audit in one transaction.
  // `outbox`: what the worker must do after this change, stored with it (effects.v<version>) so a
  // crash between the commit and the enqueue loses nothing: the sweeper enqueues what is not done.
  async change(
    id: string,
    event: IncidentEvent,
    now: Date,
    audit: (record: IncidentRecord, transition: Extract<Transition, { ok: true }>) => AuditEntry,
    outbox: (record: IncidentRecord, transition: Extract<Transition, { ok: true }>) => Record<string, unknown>,
  ): Promise<ChangeResult | undefined> {
    return inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return undefined;
      const record = fromRow(rows[0]);
      const transition = applyIncidentEvent(record, event, now);
      // Refusals are audited by whoever answers the person (the intake), as every refusal is.
      if (!transition.ok) return { refused: transition, record };
      await this.#audit.record(audit(record, transition), client);
      const s = transition.state;
      await client.query(
        `UPDATE incidents SET status = $2, severity = $3, commander = $4, acknowledged_at = $5, acknowledged_by = $6,
           resolved_at = $7, first_resolved_at = $8, resolved_by = $9, summary = $10, last_update_at = $11,
           severity_history = $12, version = $13, clock_gen = $14,
           steps = steps || jsonb_build_object($15::text, $16::jsonb) WHERE id = $1`,
        [
          id,
          s.status,
          s.severity,
          s.commander ?? null,
          s.acknowledgedAt ?? null,
          s.acknowledgedBy ?? null,
          s.resolvedAt ?? null,
          s.firstResolvedAt ?? null,
          s.resolvedBy ?? null,
          s.summary ?? null,
          s.lastUpdateAt,
          JSON.stringify(s.severityHistory),
          s.version,
          s.clockGen,
          `effects.v${s.version}`,
          JSON.stringify({ ...outbox(record, transition), at: now.getTime() }),
        ],
      );
      for (const entry of transition.timeline) await this.#addTimeline(client, id, entry);
      return { record: { ...record, ...s }, transition };
    });
  }

  // Lines that change nothing on the card: notes, pinned messages, bot actions, clock events.
  // With a source ts, the same message twice is one line (false: it was there already).
  async addTimeline(
    id: string,
    entry: { kind: string; actor: string; text: string; at: Date; permalink?: string; sourceTs?: string },
    audit?: AuditEntry,
  ): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      const added = await this.#addTimeline(client, id, entry);
      if (added && audit) await this.#audit.record(audit, client);
      return added;
    });
  }

  async timeline(id: string): Promise<TimelineRow[]> {
    const { rows } = await this.#pool.query<{
      id: string;
      at: Date;
      kind: string;
      actor: string;
      text: string;
      permalink: string | null;
      source_ts: string | null;
    }>(
      `SELECT id, at, kind, actor, text, permalink, source_ts FROM incident_timeline
         WHERE incident_id = $1 ORDER BY at, id`,
      [id],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      kind: r.kind,
      actor: r.actor,
      text: r.text,
      permalink: r.permalink ?? undefined,
      sourceTs: r.source_ts ?? undefined,
    }));
  }

  async #addTimeline(
    client: pg.PoolClient,
    id: string,
    entry: { kind: string; actor: string; text: string; at: Date; permalink?: string; sourceTs?: string },
  ): Promise<boolean> {
    const result = await client.query(
      `INSERT INTO incident_timeline (incident_id, at, kind, actor, text, permalink, source_ts)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        id,
        entry.at,
        entry.kind,
        entry.actor,
        entry.text.slice(0, 4_000),
        entry.permalink ?? null,
        entry.sourceTs ?? null,
      ],
    );
    return result.rowCount === 1;
  }
}
