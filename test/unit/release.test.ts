import { describe, expect, it } from '@jest/globals';
import { namedWords, ranWords, toWords, whenWords } from '../../src/core/release-words.ts';
import {
  chooseLastGood,
  isGood,
  liveRelease,
  releaseOutcomeOf,
  rolledBackStory,
  type HeldSet,
  type Release,
} from '../../src/core/release.ts';

const T0 = Date.parse('2026-11-30T10:00:00Z');
let nextId = 1;

function release(version: string, set: string | undefined, minutes: number, extra: Partial<Release> = {}): Release {
  return {
    id: nextId++,
    kind: 'deploy',
    service: 'checkout',
    env: 'production',
    context: 'prod',
    namespace: 'shop',
    deployment: 'checkout',
    rsUid: set ? `uid-${set}` : null,
    templateHash: set ? `hash-${set}` : null,
    revision: null,
    image: `registry.example.com/shop/checkout:${version}`,
    digest: null,
    version,
    strategy: 'rolling',
    requester: 'U0BOB00002',
    approvers: [],
    reason: null,
    jobId: `deploy-${version}-${minutes}`,
    incidentChannel: null,
    requestedAt: new Date(T0 + minutes * 60_000),
    startedAt: new Date(T0 + minutes * 60_000),
    finishedAt: new Date(T0 + (minutes + 1) * 60_000),
    outcome: 'succeeded',
    outcomeDetail: null,
    rolledBackFrom: null,
    rolledBackAt: null,
    rolledBackBy: null,
    ...extra,
  };
}

const held = (name: string, revision: number): HeldSet => ({ uid: `uid-${name}`, hash: `hash-${name}`, revision });

describe('releaseOutcomeOf', () => {
  it("puts a job's decision in the ledger's words", () => {
    expect(releaseOutcomeOf('succeeded')).toBe('succeeded');
    expect(releaseOutcomeOf('rolled-back')).toBe('rolled_back_auto');
    expect(releaseOutcomeOf('refused')).toBe('refused');
    expect(releaseOutcomeOf('cancelled')).toBe('cancelled');
    expect(releaseOutcomeOf('interrupted')).toBe('interrupted');
    expect(releaseOutcomeOf('aborted')).toBe('failed');
    expect(releaseOutcomeOf('failed')).toBe('failed');
  });
});

describe('chooseLastGood', () => {
  it('knows nothing without history: the caller falls back to the previous revision', () => {
    expect(chooseLastGood([], [held('a', 1)], held('b', 2))).toEqual({ kind: 'no-history' });
  });

  it('skips what was rolled back away from and what failed, and matches by identity, not revision', () => {
    const v140 = release('1.4.0', 'a', 0);
    const v141 = release('1.4.1', 'b', 10);
    const v142 = release('1.4.2', 'c', 20, { outcome: 'rolled_back' });
    const back = release('1.4.1', 'b', 30, { kind: 'rollback', outcome: 'rolled_back' });
    const again = release('1.4.0', 'a', 40, { kind: 'rollback' });
    const v143 = release('1.4.3', 'd', 50, { outcome: 'rolled_back_auto' });
    // The cluster renumbered: 1.4.0's ReplicaSet is now revision 5, and live again after 1.4.3 failed.
    const sets = [held('a', 6), held('b', 4), held('c', 3), held('d', 5)];
    const releases = [v140, v141, v142, back, again, v143];
    expect(liveRelease(releases, sets[0])).toBe(again);
    const choice = chooseLastGood(releases, sets, sets[0]);
    // 1.4.1's newest row was rolled back away from, 1.4.2 too, 1.4.3 failed: nothing good before 1.4.0.
    expect(choice).toEqual({ kind: 'no-good', set: undefined });
  });

  it('goes to the newest good release before the live one that the cluster holds', () => {
    const v140 = release('1.4.0', 'a', 0);
    const v141 = release('1.4.1', 'b', 10);
    const v142 = release('1.4.2', 'c', 20);
    const sets = [held('c', 3), held('b', 2), held('a', 1)];
    expect(chooseLastGood([v140, v141, v142], sets, sets[0])).toEqual({
      kind: 'last-good',
      release: v141,
      set: sets[1],
    });
  });

  it('says the last good release was pruned rather than going further back on its own', () => {
    const v140 = release('1.4.0', 'a', 0);
    const v141 = release('1.4.1', 'b', 10);
    const v142 = release('1.4.2', 'c', 20);
    const sets = [held('c', 3), held('a', 1)];
    expect(chooseLastGood([v140, v141, v142], sets, sets[0])).toEqual({ kind: 'pruned', release: v141 });
  });

  it('a release rolled back to on purpose that then ran is good again', () => {
    const v141 = release('1.4.1', 'b', 10, { outcome: 'rolled_back' });
    const v142 = release('1.4.2', 'c', 20);
    const named = release('1.4.1', 'b', 30, { kind: 'rollback' });
    const v143 = release('1.4.3', 'd', 40);
    const sets = [held('d', 5), held('b', 4), held('c', 3)];
    const choice = chooseLastGood([v141, v142, named, v143], sets, sets[0]);
    expect(choice).toEqual({ kind: 'last-good', release: named, set: sets[1] });
  });

  it('falls back to the newest earlier revision ops-bot knows nothing bad about', () => {
    const bad = release('1.4.2', 'c', 20, { outcome: 'rolled_back' });
    const live = release('1.4.3', 'd', 30);
    const sets = [held('d', 4), held('c', 3), held('outside', 2), held('older', 1)];
    expect(chooseLastGood([bad, live], sets, sets[0])).toEqual({ kind: 'no-good', set: sets[2] });
  });

  it('a release with no identity (refused before it changed anything) is never a target', () => {
    const refused = release('1.4.2', undefined, 20, { outcome: 'refused' });
    expect(isGood(refused)).toBe(false);
    const sets = [held('a', 1)];
    expect(chooseLastGood([refused], sets, sets[0])).toEqual({ kind: 'no-good', set: undefined });
  });
});

describe('words', () => {
  const now = new Date(T0 + 3 * 86_400_000);

  it('say when, and how long a release ran', () => {
    expect(whenWords(new Date(T0), new Date(T0 + 3_600_000))).toBe('10:00');
    expect(whenWords(new Date(T0), now)).toBe('Nov 30 10:00');
    expect(ranWords(40_000)).toBe('40 seconds');
    expect(ranWords(60_000)).toBe('1 minute');
    expect(ranWords(5 * 3_600_000)).toBe('5 hours');
    expect(ranWords(3 * 86_400_000)).toBe('3 days');
  });

  it('name the last good release and how long it ran until the next change', () => {
    const v141 = release('1.4.1', 'b', 0);
    const v142 = release('1.4.2', 'c', 3 * 24 * 60 + 1);
    expect(toWords([v141, v142], { kind: 'last-good', release: v141, set: held('b', 11) })).toBe(
      'last good, ran 3 days',
    );
    expect(toWords([], { kind: 'no-history' })).toBe('no release history yet: previous revision');
  });

  it('give the ⚠ line for a release rolled back away from, by a person or automatically', () => {
    const v142 = release('1.4.2', 'c', 0, { outcome: 'rolled_back' });
    const back = release('1.4.1', 'b', 10, {
      kind: 'rollback',
      requester: 'U0CAROL003',
      reason: '5xx after 1.4.2',
      finishedAt: new Date(T0 + 12 * 60_000),
    });
    v142.rolledBackBy = back.id;
    expect(namedWords([v142, back], v142, now)).toEqual({
      to: 'by <@U0BOB00002> Nov 30 10:01',
      warning: '⚠ this release was rolled back on 2026-11-30 10:12 UTC by <@U0CAROL003>: 5xx after 1.4.2',
    });
    const failed = release('1.4.3', 'd', 20, { outcome: 'rolled_back_auto', outcomeDetail: 'ImagePullBackOff' });
    expect(rolledBackStory([failed], failed)).toEqual({
      at: failed.finishedAt,
      by: undefined,
      why: 'ImagePullBackOff',
    });
    expect(namedWords([failed], failed, now).warning).toContain('by the automatic rollback: ImagePullBackOff');
    expect(namedWords([], undefined, now)).toEqual({ to: 'outside ops-bot' });
  });
});
