import { describe, expect, it } from '@jest/globals';
import { historyView } from '../../src/bot/views/history.ts';
import type { DeployHistory, HistorySet } from '../../src/core/deploy-history.ts';
import type { Release } from '../../src/core/release.ts';

const NOW = new Date('2026-11-30T12:00:00Z');

function release(version: string, extra: Partial<Release> = {}): Release {
  return {
    id: 1,
    kind: 'deploy',
    service: 'checkout',
    env: 'production',
    context: 'prod',
    namespace: 'shop',
    deployment: 'checkout',
    rsUid: `uid-${version}`,
    templateHash: null,
    revision: 3,
    image: `registry.example.com/shop/checkout:${version}`,
    digest: null,
    version,
    strategy: 'rolling',
    requester: 'U0BOB00002',
    approvers: [],
    reason: null,
    jobId: `deploy-${version}`,
    incidentChannel: null,
    requestedAt: new Date('2026-11-30T11:00:00Z'),
    startedAt: new Date('2026-11-30T11:00:00Z'),
    finishedAt: new Date('2026-11-30T11:02:00Z'),
    outcome: 'succeeded',
    outcomeDetail: null,
    rolledBackFrom: null,
    rolledBackAt: null,
    rolledBackBy: null,
    ...extra,
  };
}

const set = (name: string, revision: number): HistorySet => ({
  uid: `uid-${name}`,
  hash: undefined,
  revision,
  version: name,
  created: new Date('2026-11-28T09:15:00Z'),
  deployment: 'checkout',
});

function shown(history: DeployHistory<HistorySet>, ledgerMissing = false) {
  const view = historyView({
    service: 'checkout',
    env: 'production',
    history,
    held: 3,
    created: new Date('2026-11-29T08:00:00Z'),
    gaps: { ledgerMissing },
    colours: false,
    now: NOW,
  });
  return { text: view.text, blocks: JSON.stringify(view.blocks) };
}

describe('the /deploy history message', () => {
  it('says version, short digest, revision, who and when, outcome, approvers and why, the reason escaped', () => {
    const live = release('1.4.2', {
      digest: `sha256:${'ab12'.repeat(16)}`,
      approvers: ['U0CAROL003', 'U0ALICE001'],
      reason: '<!here> fix tax',
    });
    const { text } = shown({
      entries: [{ kind: 'release', release: live, set: set('1.4.2', 4), held: 'live', rollbackTo: false }],
      total: 1,
      earlier: 0,
    });
    expect(text.split('\n')[1]).toBe(
      ':large_green_circle: live `1.4.2` `sha256:ab12ab12ab12` rev 4 · by <@U0BOB00002> 11:02 · ' +
        ':white_check_mark: succeeded · approved by <@U0CAROL003>, <@U0ALICE001> — &lt;!here&gt; fix tax',
    );
  });

  it('marks a pruned release and an outside change, and binds the one button to its ReplicaSet', () => {
    const { text, blocks } = shown({
      entries: [
        { kind: 'set', set: set('1.5.0-hotfix', 5), live: true, unread: false },
        { kind: 'release', release: release('1.4.1'), set: set('1.4.1', 3), held: 'held', rollbackTo: true },
        {
          kind: 'release',
          release: release('1.3.0', { kind: 'rollback' }),
          set: undefined,
          held: 'pruned',
          rollbackTo: false,
        },
      ],
      total: 4,
      earlier: 2,
    });
    expect(text.split('\n').slice(1)).toEqual([
      ':large_green_circle: live `1.5.0-hotfix` rev 5 · created Nov 28 09:15 · outside ops-bot',
      ':white_circle: `1.4.1` rev 3 · by <@U0BOB00002> 11:02 · :white_check_mark: succeeded',
      ':wastebasket: _pruned_ `1.3.0` · rollback by <@U0BOB00002> 11:02 · :white_check_mark: succeeded',
    ]);
    expect(blocks).toContain('Roll back to rev 3 (1.4.1)');
    expect(blocks).toContain(
      JSON.stringify(
        JSON.stringify({
          service: 'checkout',
          env: 'production',
          bound: { kind: 'row', revision: 3, version: '1.4.1', rs: 'uid-1.4.1' },
        }),
      ).slice(1, -1),
    );
    expect(blocks).toContain('Newest 3 of 4 shown');
    expect(blocks).toContain('releases of the one deleted before it are not shown');
  });

  it('warns that the ledger did not answer, and has no buttons then', () => {
    const { text, blocks } = shown(
      { entries: [{ kind: 'set', set: set('1.4.1', 3), live: true, unread: true }], total: 1, earlier: 0 },
      true,
    );
    expect(text).toContain('`1.4.1` rev 3 · created Nov 28 09:15 · who and why unknown');
    expect(text).not.toContain('outside ops-bot');
    expect(blocks).toContain('The release ledger did not answer in time');
    expect(blocks).not.toContain('rollback_to');
  });
});
