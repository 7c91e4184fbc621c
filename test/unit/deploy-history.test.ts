import { describe, expect, it } from '@jest/globals';
import { deployHistory, type HistoryInput, type HistorySet } from '../../src/core/deploy-history.ts';
import type { Release } from '../../src/core/release.ts';

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

function held(name: string, revision: number, version: string, minutes: number): HistorySet {
  return {
    uid: `uid-${name}`,
    hash: `hash-${name}`,
    revision,
    version,
    created: new Date(T0 + minutes * 60_000),
    deployment: 'checkout',
  };
}

function history(input: Partial<HistoryInput<HistorySet>> & Pick<HistoryInput<HistorySet>, 'releases' | 'sets'>) {
  const live = input.live ?? input.sets.reduce((a, b) => (a.revision > b.revision ? a : b));
  const result = deployHistory({
    deployments: [{ name: 'checkout', createdAt: undefined }],
    complete: true,
    limit: 50,
    ...input,
    live,
  });
  return result.entries.map((entry) =>
    entry.kind === 'release'
      ? `${entry.release.version} ${entry.held}${entry.rollbackTo ? ' button' : ''}`
      : `${entry.set.version} ${entry.unread ? 'unknown' : 'outside'}${entry.live ? ' live' : ''}`,
  );
}

describe('deployHistory', () => {
  it('joins by identity: a rollback that reused a ReplicaSet is the live line, its first release runs again', () => {
    const sets = [held('a', 1, '1.0', 0), held('b', 5, '1.1', 10), held('c', 4, '1.2', 20)];
    const releases = [
      release('1.1', 'b', 10),
      release('1.2', 'c', 20, { outcome: 'rolled_back' }),
      release('1.1', 'b', 30, { kind: 'rollback' }),
    ];
    expect(history({ releases, sets })).toEqual(['1.1 live', '1.2 held', '1.1 live-again', '1.0 outside']);
  });

  it('puts a button only on older good releases the cluster still holds', () => {
    const sets = [held('a', 1, '1.0', 0), held('b', 2, '1.1', 10), held('c', 3, '1.2', 20), held('d', 4, '1.3', 30)];
    const releases = [
      release('1.0', 'a', 0),
      release('0.9', 'gone', -10),
      release('1.1', 'b', 10, { outcome: 'rolled_back_auto' }),
      release('1.2', 'c', 20),
      release('1.3', 'd', 30),
      release('1.4', undefined, 40, { outcome: 'refused' }),
    ];
    expect(history({ releases, sets })).toEqual([
      '1.4 none',
      '1.3 live',
      '1.2 held button',
      '1.1 held',
      '1.0 held button',
      '0.9 pruned',
    ]);
  });

  it('leaves out releases of a Deployment of the same name deleted before this one was created', () => {
    const sets = [held('new', 1, '2.0', 60), held('newer', 2, '2.1', 70)];
    const releases = [release('1.0', 'old', 0), release('1.1', 'old2', 10), release('2.1', 'newer', 70)];
    const result = deployHistory({
      releases,
      sets,
      live: sets[1],
      deployments: [{ name: 'checkout', createdAt: new Date(T0 + 60 * 60_000) }],
      complete: true,
      limit: 50,
    });
    expect(result.earlier).toBe(2);
    expect(
      result.entries.map((entry) => (entry.kind === 'release' ? entry.release.version : entry.set.version)),
    ).toEqual(['2.1', '2.0']);
  });

  it('gives a release still rolling out the ReplicaSet running its version, not "outside ops-bot"', () => {
    const sets = [held('a', 1, '1.0', 0), held('b', 2, '1.1', 10)];
    const releases = [release('1.0', 'a', 0), release('1.1', undefined, 10, { outcome: null, finishedAt: null })];
    expect(history({ releases, sets })).toEqual(['1.1 live', '1.0 held button']);
  });

  it('says who is unknown, never "outside ops-bot", when the ledger could not be read', () => {
    const sets = [held('a', 1, '1.0', 0), held('b', 3, '1.1', 10), held('c', 2, '1.2', 20)];
    expect(history({ releases: undefined, sets })).toEqual(['1.1 unknown live', '1.2 unknown', '1.0 unknown']);
  });

  it('says who is unknown for a ReplicaSet older than a page of the ledger that was not all read', () => {
    const sets = [held('a', 1, '1.0', 0), held('b', 2, '1.1', 10), held('c', 3, '1.2', 20)];
    const releases = [release('1.1', 'b', 10), release('1.2', 'c', 20)];
    expect(history({ releases, sets, complete: false })).toEqual(['1.2 live', '1.1 held button', '1.0 unknown']);
    expect(history({ releases, sets, complete: true })).toContain('1.0 outside');
  });

  it('ignores releases of another Deployment (the other blue-green colour) and keeps the newest N', () => {
    const sets = [held('a', 1, '1.0', 0), held('b', 2, '1.1', 10)];
    const releases = [release('1.1', 'b', 10), release('1.0', 'a', 0), release('3.0', 'x', 5, { deployment: 'other' })];
    expect(history({ releases, sets, limit: 1 })).toEqual(['1.1 live']);
  });

  it('lists both blue-green colours, with buttons only on the live colour’s own ReplicaSets', () => {
    const blue = (name: string, revision: number, version: string, minutes: number) => ({
      ...held(name, revision, version, minutes),
      deployment: 'checkout-blue',
    });
    const green = (name: string, revision: number, version: string, minutes: number) => ({
      ...held(name, revision, version, minutes),
      deployment: 'checkout-green',
    });
    const sets = [
      blue('b1', 1, '1.0', 0),
      green('g1', 1, '1.1', 10),
      blue('b2', 2, '1.2', 20),
      green('g2', 2, '1.3', 30),
    ];
    const on = (deployment: string) => ({ deployment });
    const releases = [
      release('1.1', 'g1', 10, on('checkout-green')),
      release('1.2', 'b2', 20, on('checkout-blue')),
      release('1.3', 'g2', 30, on('checkout-green')),
    ];
    const result = deployHistory({
      releases,
      sets,
      live: sets[3],
      deployments: [
        { name: 'checkout-green', createdAt: undefined },
        { name: 'checkout-blue', createdAt: undefined },
      ],
      complete: true,
      limit: 50,
    });
    expect(
      result.entries.map((entry) =>
        entry.kind === 'release'
          ? `${entry.release.version} ${entry.held}${entry.rollbackTo ? ' button' : ''}`
          : `${entry.set.version} outside`,
      ),
    ).toEqual(['1.3 live', '1.2 held', '1.1 held button', '1.0 outside']);
  });
});
