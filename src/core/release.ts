import { z } from 'zod';

// How a release ended. `interrupted` is this codebase's own (a job BullMQ ended without its processor
// writing a result, issue 13); `rolled_back` is set later, on the release a /rollback moved away from.
export const RELEASE_OUTCOMES = [
  'succeeded',
  'failed',
  'rolled_back_auto',
  'rolled_back',
  'cancelled',
  'refused',
  'superseded',
  'interrupted',
] as const;
export type ReleaseOutcome = (typeof RELEASE_OUTCOMES)[number];

// A row of the release ledger, as read back from PostgreSQL (parsed, never trusted).
export const releaseSchema = z.object({
  id: z.coerce.number().int(),
  kind: z.enum(['deploy', 'rollback']),
  service: z.string(),
  env: z.string(),
  context: z.string(),
  namespace: z.string(),
  deployment: z.string(),
  rsUid: z.string().nullable(),
  templateHash: z.string().nullable(),
  revision: z.number().int().nullable(),
  image: z.string(),
  digest: z.string().nullable(),
  version: z.string(),
  strategy: z.string(),
  requester: z.string(),
  approvers: z.array(z.string()),
  reason: z.string().nullable(),
  jobId: z.string(),
  incidentChannel: z.string().nullable(),
  requestedAt: z.date(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  outcome: z.enum(RELEASE_OUTCOMES).nullable(),
  outcomeDetail: z.string().nullable(),
  rolledBackFrom: z.coerce.number().int().nullable(),
  rolledBackAt: z.date().nullable(),
  rolledBackBy: z.coerce.number().int().nullable(),
});
export type Release = z.output<typeof releaseSchema>;

// A ReplicaSet the cluster still holds, by identity: its uid and pod-template-hash stay with it when a
// rollback reuses it, while its revision number changes.
export type HeldSet = { uid: string; hash: string | undefined; revision: number };

// A job's decision (jobs/deploy/rolling.ts DeployOutcome, plus the guard's refusals and the
// interrupted ending) in the ledger's words. An aborted canary never went live: it failed.
export function releaseOutcomeOf(decision: string): ReleaseOutcome {
  switch (decision) {
    case 'succeeded':
    case 'cancelled':
    case 'refused':
    case 'interrupted':
      return decision;
    case 'rolled-back':
      return 'rolled_back_auto';
    default:
      return 'failed';
  }
}

// Good: it succeeded and nothing later rolled back away from it.
export function isGood(release: Release): boolean {
  return release.outcome === 'succeeded';
}

export function sameSet(release: Release, set: HeldSet | undefined): boolean {
  if (!set || !release.rsUid) return false;
  return release.rsUid === set.uid && (release.templateHash === null || release.templateHash === (set.hash ?? null));
}

function identityKey(release: Release): string | undefined {
  return release.rsUid ? `${release.rsUid}/${release.templateHash ?? ''}` : undefined;
}

// The ledger's view of a ReplicaSet is its newest row: a release rolled back away from and later
// rolled back to on purpose, which then ran fine, is good again.
export function newestPerSet(releases: Release[]): Release[] {
  const seen = new Set<string>();
  const newest: Release[] = [];
  for (const release of newestFirst(releases)) {
    const key = identityKey(release);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    newest.push(release);
  }
  return newest;
}

export function newestFirst(releases: Release[]): Release[] {
  return [...releases].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.id - a.id);
}

// The release running in `live` (the ReplicaSet the Deployment's current revision runs), if ops-bot
// made it.
export function liveRelease(releases: Release[], live: HeldSet | undefined): Release | undefined {
  return newestFirst(releases).find((release) => sameSet(release, live));
}

export type RollbackChoice<S extends HeldSet> =
  // The ledger knows nothing about this Deployment: kubectl's rule (the previous revision).
  | { kind: 'no-history' }
  | { kind: 'last-good'; release: Release; set: S }
  // The last good release is gone from the cluster (revisionHistoryLimit): offer a deploy of it.
  | { kind: 'pruned'; release: Release }
  // Nothing the ledger knows as good ran before the live release: the previous revision ops-bot
  // knows nothing bad about, if any.
  | { kind: 'no-good'; set: S | undefined };

// Where `/rollback` without `--to` goes: the last good release older than the live one, matched to
// the cluster's ReplicaSets by identity, never one that was rolled back away from.
export function chooseLastGood<S extends HeldSet>(
  releases: Release[],
  sets: S[],
  live: S | undefined,
): RollbackChoice<S> {
  if (releases.length === 0) return { kind: 'no-history' };
  const current = liveRelease(releases, live);
  const perSet = newestPerSet(releases);
  const lastGood = perSet.find(
    (release) =>
      isGood(release) &&
      !sameSet(release, live) &&
      (!current || release.startedAt.getTime() <= current.startedAt.getTime()),
  );
  if (lastGood) {
    const set = sets.find((candidate) => sameSet(lastGood, candidate));
    return set ? { kind: 'last-good', release: lastGood, set } : { kind: 'pruned', release: lastGood };
  }
  const known = (set: S) => perSet.some((release) => sameSet(release, set));
  const previous = sets
    .filter((set) => set.revision !== live?.revision && !known(set))
    .filter((set) => live === undefined || set.revision < live.revision)
    .sort((a, b) => b.revision - a.revision)[0];
  return { kind: 'no-good', set: previous };
}

// When a release went out of service: the start of the next release that changed the Deployment.
export function ranUntil(releases: Release[], release: Release): Date | undefined {
  const changedSince = releases.filter(
    (other) =>
      other.deployment === release.deployment &&
      other.startedAt.getTime() > release.startedAt.getTime() &&
      other.outcome !== 'refused' &&
      other.outcome !== null,
  );
  return changedSince.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())[0]?.startedAt;
}

// Who and why a release was rolled back away from, for the ⚠ line: the rollback that did it, or the
// deploy's own automatic rollback.
export function rolledBackStory(
  releases: Release[],
  release: Release,
): { at: Date; by: string | undefined; why: string } | undefined {
  if (release.outcome === 'rolled_back_auto')
    return {
      at: release.finishedAt ?? release.startedAt,
      by: undefined,
      why: release.outcomeDetail ?? 'it failed',
    };
  if (release.outcome !== 'rolled_back') return undefined;
  const by = releases.find((other) => other.id === release.rolledBackBy);
  return {
    at: release.rolledBackAt ?? by?.finishedAt ?? release.startedAt,
    by: by?.requester,
    why: by?.reason ?? 'no reason given',
  };
}

// A line of /ops history: the release, and the version that ran before it in its service and
// environment (undefined when the ledger does not know: the first release it saw there).
export type ReleaseChange = { release: Release; from: string | undefined };
