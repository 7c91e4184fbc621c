import type pg from 'pg';
import { z } from 'zod';
import { inTransaction } from './postgres.ts';
import { COLUMNS, toRelease } from './release-ledger.ts';
import type { Release } from '../core/release.ts';
import {
  FAILED_OUTCOMES,
  GOOD_OUTCOME,
  JUDGED_OUTCOMES,
  LIVE_OUTCOMES,
  type DeliveryCounts,
  type DeliveryTotals,
} from '../core/delivery.ts';

export type StatsFilter = { since: Date; service?: string; env?: string; top: number };

// Time to restore, per service and environment: releases that went live or failed, newest first,
// numbered by how many good ones are at or after them, so a run of bad releases shares its number
// with the good release that ended it. An episode is such a number with a bad release in it: from
// when its first bad release finished to when its good one finished (none yet: still broken).
const WINDOW = `started_at >= $1 AND ($2::text IS NULL OR service = $2) AND ($3::text IS NULL OR env = $3)`;
const LEAD = `extract(epoch FROM finished_at - requested_at)`;
const WAIT = `extract(epoch FROM approved_at - requested_at)`;
const RESTORE = `extract(epoch FROM restored - broke)`;

// Counts per service: a hash aggregate, no sort.
const COUNTS = `
  counts AS (
    SELECT service, count(*) AS started, count(*) FILTER (WHERE outcome = ANY($4)) AS live,
      count(*) FILTER (WHERE outcome = ANY($4) AND kind = 'rollback') AS live_rollbacks,
      count(*) FILTER (WHERE kind = 'deploy' AND outcome = ANY($6)) AS deploys_judged,
      count(*) FILTER (WHERE kind = 'deploy' AND outcome = ANY($5)) AS deploys_failed
    FROM releases WHERE ${WINDOW} GROUP BY service
  )`;

// Lead time and approval wait over the releases that went live, for the whole scope only.
const LEAD_TIMES = `
  lead AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ${LEAD}) AS lead_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ${LEAD}) AS lead_p90, count(approved_at) AS approval_waits,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ${WAIT}) AS wait_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ${WAIT}) AS wait_p90
    FROM releases WHERE ${WINDOW} AND outcome = ANY($4)
  )`;

// Time to restore, per service and environment. A release restores when it went live and stayed
// (succeeded), and so does a rollback a person later went further back from: it did restore, and the
// next one is a second opinion, not a second outage. A failure that undid itself — its own automatic
// rollback, or an aborted canary, which never moved the stable Deployment — is its own episode, from its
// start to its finish. Any other failure is bad: each bad release looks up the nearest restoring
// release started after it (one index probe per bad release: they are few, the window is not); bad
// releases that share it are one run of failures, from when the first of them finished to when the
// restoring one did (none yet: still broken).
const restores = (row: string) =>
  `(${row}.outcome = $7 OR (${row}.kind = 'rollback' AND ${row}.outcome = 'rolled_back'))`;
const CONTAINED = `(outcome = 'rolled_back_auto' OR (outcome = 'failed' AND strategy = 'canary'))`;
const EPISODES = `
  marked AS (
    SELECT bad.service, bad.env, bad.finished_at,
      (SELECT next.finished_at FROM releases next
        WHERE next.service = bad.service AND next.env = bad.env
          AND (next.started_at, next.id) > (bad.started_at, bad.id) AND ${restores('next')}
        ORDER BY next.started_at, next.id LIMIT 1) AS restored
    FROM releases bad
    WHERE ${WINDOW} AND outcome = ANY($6) AND NOT ${restores('bad')} AND NOT ${CONTAINED}
  ),
  episodes AS (
    SELECT service, min(finished_at) AS broke, restored FROM marked GROUP BY service, env, restored
    UNION ALL
    SELECT service, started_at, finished_at FROM releases WHERE ${WINDOW} AND ${CONTAINED}
  )`;

// The scope's totals (one row, even over an empty window), then its busiest services by releases that
// went live.
const QUERY = `
  WITH ${COUNTS}, ${LEAD_TIMES}, ${EPISODES},
  restores AS (
    SELECT service, count(restored) AS restores, count(*) - count(restored) AS unrestored FROM episodes GROUP BY service
  )
  (SELECT NULL::text AS service, t.*, l.*, r.* FROM
     (SELECT coalesce(sum(started), 0) AS started, coalesce(sum(live), 0) AS live,
        coalesce(sum(live_rollbacks), 0) AS live_rollbacks, coalesce(sum(deploys_judged), 0) AS deploys_judged,
        coalesce(sum(deploys_failed), 0) AS deploys_failed, count(*) AS services FROM counts) t,
     lead l,
     (SELECT count(restored) AS restores, count(*) - count(restored) AS unrestored,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${RESTORE}) AS restore_p50, max(${RESTORE}) AS restore_worst
      FROM episodes) r)
  UNION ALL
  (SELECT c.service, c.started, c.live, c.live_rollbacks, c.deploys_judged, c.deploys_failed, 1, NULL, NULL, 0, NULL,
     NULL, coalesce(r.restores, 0), coalesce(r.unrestored, 0), NULL, NULL
   FROM counts c LEFT JOIN restores r USING (service) ORDER BY c.live DESC, c.started DESC, c.service LIMIT $8)`;

const count = z.coerce.number().int();
const seconds = z.coerce.number().nullable();
const statsRow = z.object({
  service: z.string().nullable(),
  started: count,
  live: count,
  live_rollbacks: count,
  deploys_judged: count,
  deploys_failed: count,
  lead_p50: seconds,
  lead_p90: seconds,
  approval_waits: count,
  wait_p50: seconds,
  wait_p90: seconds,
  restores: count,
  unrestored: count,
  restore_p50: seconds,
  restore_worst: seconds,
  services: count,
});
type StatsRow = z.output<typeof statsRow>;

// A ledger row as exported, with when its approval was given (migration 6).
export type LedgerRow = Release & { approvedAt: Date | null };
const approvedAt = z.date().nullable();

function spread(median: number | null, p90: number | null) {
  return median === null || p90 === null ? undefined : { median, p90 };
}

function countsOf(row: StatsRow): DeliveryCounts {
  return {
    started: row.started,
    live: row.live,
    liveRollbacks: row.live_rollbacks,
    deploysJudged: row.deploys_judged,
    deploysFailed: row.deploys_failed,
    leadSeconds: spread(row.lead_p50, row.lead_p90),
    approvalWaitSeconds: spread(row.wait_p50, row.wait_p90),
    approvalWaits: row.approval_waits,
    restores: row.restores,
    unrestored: row.unrestored,
    restoreSeconds:
      row.restore_p50 === null || row.restore_worst === null
        ? undefined
        : { median: row.restore_p50, worst: row.restore_worst },
  };
}

// The delivery figures' totals, computed in PostgreSQL: the rows never leave the database (the
// benchmark asks for 100,000 of them over 90 days within 300 ms, command to reply).
export class ReleaseStats {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async totals(filter: StatsFilter): Promise<DeliveryTotals> {
    const { rows } = await inTransaction(this.#pool, async (client) => {
      // The window walk reads releases_target in its order instead of sorting the window: the default
      // random_page_cost (spinning disks) makes the planner sort 100,000 rows instead, three times slower.
      await client.query(`SET LOCAL random_page_cost = 1.1`);
      return client.query(QUERY, [
        filter.since,
        filter.service ?? null,
        filter.env ?? null,
        LIVE_OUTCOMES,
        FAILED_OUTCOMES,
        JUDGED_OUTCOMES,
        GOOD_OUTCOME,
        filter.top,
      ]);
    });
    const parsed = rows.map((row: unknown) => statsRow.parse(row));
    const total = parsed.find((row) => row.service === null);
    if (!total) throw new Error('the delivery figures query returned no totals row');
    const services = parsed
      .filter((row): row is StatsRow & { service: string } => row.service !== null)
      .map((row) => ({ service: row.service, ...countsOf(row) }))
      .sort((a, b) => b.live - a.live || b.started - a.started || (a.service < b.service ? -1 : 1));
    return { total: countsOf(total), services, moreServices: Math.max(0, total.services - services.length) };
  }

  // The ledger's rows started since `since`, oldest first, for `npm run audit:export -- --releases`;
  // `target` is a service or an environment.
  async rowsSince(since: Date, limit: number, target?: string): Promise<LedgerRow[]> {
    const { rows } = await this.#pool.query(
      `SELECT ${COLUMNS}, approved_at FROM releases
       WHERE started_at >= $1 AND ($2::text IS NULL OR service = $2 OR env = $2)
       ORDER BY started_at, id LIMIT $3`,
      [since, target ?? null, limit],
    );
    return rows.map((row: Record<string, unknown>) => ({
      ...toRelease(row),
      approvedAt: approvedAt.parse(row.approved_at),
    }));
  }
}
