import type { ReleaseOutcome } from './release.ts';

// Delivery figures (the DORA four) over the release ledger: which outcomes count as what, and the
// arithmetic on the totals the ledger's query returns. Deploys and rollbacks are both releases.

// Went live: it succeeded (and may since have been rolled back away from).
export const LIVE_OUTCOMES: readonly ReleaseOutcome[] = ['succeeded', 'rolled_back'];
// A change that hurt: it failed, its own rollout was undone, or people rolled back away from it.
export const FAILED_OUTCOMES: readonly ReleaseOutcome[] = ['failed', 'rolled_back_auto', 'rolled_back'];
// What a change failure rate is over. Refused, cancelled, interrupted and superseded releases never
// tested the change (stopped by a rule, a person or a dying worker): counting them as successes would
// flatter the rate, as failures would blame the change for what it never did.
export const JUDGED_OUTCOMES: readonly ReleaseOutcome[] = ['succeeded', ...FAILED_OUTCOMES];
// What ends a failure for time to restore: a release that went live and nobody rolled back (and a
// rollback that went live, even if people later went further back: adapters/release-stats.ts).
export const GOOD_OUTCOME: ReleaseOutcome = 'succeeded';

export type Spread = { median: number; p90: number };

// One scope's totals, as the ledger's query computes them (seconds for durations).
export type DeliveryCounts = {
  started: number;
  live: number;
  liveRollbacks: number;
  deploysJudged: number;
  deploysFailed: number;
  leadSeconds: Spread | undefined;
  approvalWaitSeconds: Spread | undefined;
  approvalWaits: number;
  restores: number;
  unrestored: number;
  restoreSeconds: { median: number; worst: number } | undefined;
};

export type ServiceCounts = DeliveryCounts & { service: string };

// The whole answer: the scope's totals, its busiest services (when more than one), and how many
// services the list leaves out.
export type DeliveryTotals = { total: DeliveryCounts; services: ServiceCounts[]; moreServices: number };

export type Frequency = { rate: number; per: 'day' | 'week' };

const DAY_MS = 86_400_000;

// Releases that went live per day, or per week when fewer than one a day over a window of a week or more.
export function frequency(live: number, windowMs: number): Frequency {
  const days = Math.max(windowMs / DAY_MS, 1 / 24);
  const perDay = live / days;
  if (perDay >= 1 || days < 7) return { rate: round1(perDay), per: 'day' };
  return { rate: round1(perDay * 7), per: 'week' };
}

export type FailureRate = { failed: number; of: number; percent: number };

// Change failure rate over deploys: a rollback is the remedy, and counting its success would halve
// the rate of a team that rolls back every bad deploy. Undefined when no deploy was judged.
export function changeFailureRate(
  counts: Pick<DeliveryCounts, 'deploysJudged' | 'deploysFailed'>,
): FailureRate | undefined {
  if (counts.deploysJudged === 0) return undefined;
  const percent = Math.round((counts.deploysFailed / counts.deploysJudged) * 100);
  return { failed: counts.deploysFailed, of: counts.deploysJudged, percent };
}

export function isEmpty(counts: DeliveryCounts): boolean {
  return counts.started === 0;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

// A release whose outcome a job just recorded, for the Prometheus series.
export type FinishedRelease = {
  service: string;
  env: string;
  outcome: ReleaseOutcome;
  requestedAt: Date;
  approvedAt: Date | undefined;
  finishedAt: Date;
};

// Lead time (request to live) and approval wait (request to approval) of a release that went live, in
// seconds; neither for one that did not go live, no wait for one that needed no approval.
export function releaseDurations(release: FinishedRelease): { lead?: number; approvalWait?: number } {
  if (!LIVE_OUTCOMES.includes(release.outcome)) return {};
  const seconds = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / 1_000);
  const lead = seconds(release.requestedAt, release.finishedAt);
  return release.approvedAt ? { lead, approvalWait: seconds(release.requestedAt, release.approvedAt) } : { lead };
}
