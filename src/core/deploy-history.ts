import { isGood, liveRelease, newestFirst, newestPerSet, sameSet, type HeldSet, type Release } from './release.ts';

// A ReplicaSet the cluster holds, as /deploy history shows it.
export type HistorySet = HeldSet & { version: string; created: Date | undefined; deployment: string };

// Where a release's ReplicaSet is now: running (`live-again`: put back by a newer release, which is
// the live line), still held, gone (revisionHistoryLimit), or never known (refused, or ended before
// it made one).
export type Held = 'live' | 'live-again' | 'held' | 'pruned' | 'none';

export type HistoryEntry<S extends HistorySet> =
  | { kind: 'release'; release: Release; set: S | undefined; held: Held; rollbackTo: boolean }
  // A ReplicaSet no ledger row claims: made outside ops-bot, or `unread` when the ledger could not be read.
  | { kind: 'set'; set: S; live: boolean; unread: boolean };

export type DeployHistory<S extends HistorySet> = {
  entries: HistoryEntry<S>[];
  // Lines there were before `limit` cut them.
  total: number;
  // Rows of an earlier Deployment of the same name (deleted, then created again), left out.
  earlier: number;
};

export type HistoryInput<S extends HistorySet> = {
  // undefined: the ledger could not be read.
  releases: Release[] | undefined;
  sets: S[];
  live: S | undefined;
  // The Deployments shown (blue-green: both colours) and when each was created: rows started before
  // that which match none of its ReplicaSets belong to an earlier Deployment of the same name.
  deployments: { name: string; createdAt: Date | undefined }[];
  // false: `releases` is a page of the newest, and older ones were not read.
  complete: boolean;
  limit: number;
};

// /deploy history: one line per release of these Deployments, joined to its ReplicaSets by identity
// (uid and pod-template-hash, never the revision the cluster renumbers), plus one per ReplicaSet no
// release claims; newest first. A Roll back button only where `/rollback` would be willing to go
// without `--to`: an older good release the cluster still holds (release.ts decides what is good).
export function deployHistory<S extends HistorySet>(input: HistoryInput<S>): DeployHistory<S> {
  const { sets, live } = input;
  if (input.releases === undefined) {
    const entries = sets.map((set) => ({ kind: 'set' as const, set, live: set === live, unread: true }));
    // Without the ledger there is no time of release: the cluster's order is its revisions.
    const byRevision = entries.sort((a, b) => b.set.revision - a.set.revision);
    return { entries: byRevision.slice(0, input.limit), total: entries.length, earlier: 0 };
  }
  const createdAt = new Map(input.deployments.map((deployment) => [deployment.name, deployment.createdAt]));
  const all = input.releases.filter((release) => createdAt.has(release.deployment));
  const isEarlier = (release: Release) => {
    const created = createdAt.get(release.deployment);
    return (
      created !== undefined &&
      release.startedAt.getTime() < created.getTime() &&
      !sets.some((set) => sameSet(release, set))
    );
  };
  const releases = newestFirst(all.filter((release) => !isEarlier(release)));
  const rolling = rollingOut(releases, sets);
  const setOf = (release: Release) => sets.find((set) => sameSet(release, set)) ?? rolling.get(release);
  const current = liveRelease(releases, live);
  const judged = new Set(newestPerSet(releases));
  const entries: HistoryEntry<S>[] = releases.map((release) => {
    const set = setOf(release);
    const older = !current || release.startedAt.getTime() <= current.startedAt.getTime();
    // A row's button rolls the live Deployment back to a revision of its own (blue-green: the live colour).
    const here = set !== undefined && set.deployment === live?.deployment;
    return {
      kind: 'release',
      release,
      set,
      held: heldOf(release, set, release === current || (!current && set !== undefined && set === live), live),
      rollbackTo: here && set !== live && judged.has(release) && isGood(release) && older,
    };
  });
  const claimed = new Set(releases.map(setOf));
  // A ReplicaSet older than the page read may be a release on a row that was not read.
  const oldest = input.complete ? undefined : newestFirst(all).at(-1)?.startedAt;
  const beforePage = (set: S) => oldest !== undefined && (set.created?.getTime() ?? 0) < oldest.getTime();
  for (const set of sets)
    if (!claimed.has(set)) entries.push({ kind: 'set', set, live: set === live, unread: beforePage(set) });
  return finish(entries, input.limit, all.length - releases.length);
}

function heldOf(release: Release, set: HistorySet | undefined, live: boolean, liveSet: HistorySet | undefined): Held {
  if (live) return 'live';
  if (set) return set === liveSet ? 'live-again' : 'held';
  return release.rsUid ? 'pruned' : 'none';
}

// A release still rolling out has no identity yet (it is written with the result): the newest
// unclaimed ReplicaSet running its version is the one it is making, not a change from outside.
function rollingOut<S extends HistorySet>(releases: Release[], sets: S[]): Map<Release, S> {
  const unclaimed = sets.filter((set) => !releases.some((release) => sameSet(release, set)));
  const found = new Map<Release, S>();
  for (const release of releases.filter((candidate) => candidate.outcome === null && !candidate.rsUid)) {
    const set = unclaimed
      .filter((candidate) => candidate.deployment === release.deployment && candidate.version === release.version)
      .filter((candidate) => ![...found.values()].includes(candidate))
      .sort((a, b) => b.revision - a.revision)[0];
    if (set) found.set(release, set);
  }
  return found;
}

function timeOf(entry: HistoryEntry<HistorySet>): number {
  return entry.kind === 'release' ? entry.release.startedAt.getTime() : (entry.set.created?.getTime() ?? 0);
}

function finish<S extends HistorySet>(entries: HistoryEntry<S>[], limit: number, earlier: number): DeployHistory<S> {
  const sorted = [...entries].sort((a, b) => timeOf(b) - timeOf(a));
  return { entries: sorted.slice(0, limit), total: sorted.length, earlier };
}
