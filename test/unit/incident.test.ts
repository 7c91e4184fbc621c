import { describe, expect, it } from '@jest/globals';
import { applyIncidentEvent, type IncidentState } from '../../src/core/incident-events.ts';
import { archiveTimes, channelNameFor, figuresOf, similarTitles } from '../../src/core/incident.ts';

const at = new Date('2026-11-23T03:04:05Z');

function state(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    status: 'investigating',
    severity: 'P1',
    commander: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    resolvedAt: undefined,
    firstResolvedAt: undefined,
    resolvedBy: undefined,
    summary: undefined,
    lastUpdateAt: at,
    severityHistory: [{ at: at.toISOString(), from: null, to: 'P1', by: 'U0ALICE001' }],
    version: 0,
    clockGen: 0,
    ...overrides,
  };
}

describe('incident channel names', () => {
  it('are inc-<yyyymmdd>-<slug>, lowercase a–z 0–9 and hyphens, at most 80 characters with room for a suffix', () => {
    expect(channelNameFor('Checkout errors!', at)).toBe('inc-20261123-checkout-errors');
    expect(channelNameFor('Zahlungsdienst fällt aus — 500er', at)).toBe('inc-20261123-zahlungsdienst-fallt-aus-500er');
    expect(channelNameFor('🔥🔥', at)).toBe('inc-20261123-incident');
    expect(channelNameFor('db down', at, 3)).toBe('inc-20261123-db-down-3');
    const long = channelNameFor('a very long title '.repeat(20), at, 12);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[a-z0-9-]+-12$/);
    expect(long).not.toContain('--');
  });
});

describe('near-identical titles', () => {
  it.each([
    ['checkout errors', 'Checkout errors!', true],
    ['checkout errors', 'checkout error', true],
    ['search is slow', 'Search is slow', true],
    ['checkout errors', 'payments timing out', false],
    ['db down', 'db up', false],
  ])('%s ~ %s: %s', (a, b, same) => expect(similarTitles(a, b)).toBe(same));
});

describe('incident transitions', () => {
  it('acknowledging makes the first acknowledger commander; someone else needs to be an admin to take over', () => {
    const acked = applyIncidentEvent(state(), { type: 'acknowledge', actor: 'U0BOB00002', admin: false }, at);
    expect(acked.ok && acked.state.commander).toBe('U0BOB00002');
    expect(acked.ok && acked.effects).toEqual(['acknowledged']);
    const taken = applyIncidentEvent(
      acked.ok ? acked.state : state(),
      { type: 'acknowledge', actor: 'U0DAVE0004', admin: false },
      at,
    );
    expect(taken).toMatchObject({ ok: false, code: 'not_commander' });
    const handedOver = applyIncidentEvent(
      acked.ok ? acked.state : state(),
      { type: 'acknowledge', actor: 'U0FRANK006', admin: true },
      at,
    );
    expect(handedOver.ok && handedOver.state.commander).toBe('U0FRANK006');
  });

  it('a severity change records the history, restarts the clocks under a new generation and is announced', () => {
    const changed = applyIncidentEvent(state(), { type: 'severity', actor: 'U0FRANK006', to: 'P0' }, at);
    expect(changed).toMatchObject({ ok: true, clocks: 'restart', effects: ['announce-severity'] });
    expect(changed.ok && changed.state.clockGen).toBe(1);
    expect(changed.ok && changed.state.severityHistory.map((change) => change.to)).toEqual(['P1', 'P0']);
    expect(applyIncidentEvent(state(), { type: 'severity', actor: 'U0FRANK006', to: 'P1' }, at)).toMatchObject({
      ok: false,
      code: 'same_severity',
    });
  });

  it('resolve stops the clocks; nothing but reopen is accepted afterwards, and reopen only within 24 hours', () => {
    const resolved = applyIncidentEvent(state(), { type: 'resolve', actor: 'U0FRANK006', summary: 'bad release' }, at);
    expect(resolved).toMatchObject({ ok: true, clocks: 'stop', effects: ['resolve'] });
    const after = resolved.ok ? resolved.state : state();
    expect(applyIncidentEvent(after, { type: 'severity', actor: 'U0FRANK006', to: 'P0' }, at)).toMatchObject({
      ok: false,
      code: 'resolved',
    });
    expect(
      applyIncidentEvent(after, { type: 'reopen', actor: 'U0FRANK006' }, new Date(at.getTime() + 25 * 3_600_000)),
    ).toMatchObject({ ok: false, code: 'reopen_too_late' });
    const reopened = applyIncidentEvent(
      after,
      { type: 'reopen', actor: 'U0FRANK006' },
      new Date(at.getTime() + 3_600_000),
    );
    expect(reopened.ok && reopened.state.status).toBe('investigating');
    expect(reopened.ok && reopened.state.firstResolvedAt).toEqual(at);
  });
});

describe('incident figures', () => {
  it('time to acknowledge and to resolve count from the declaration; duration runs to the last resolution', () => {
    const figures = figuresOf({
      declaredAt: at,
      acknowledgedAt: new Date(at.getTime() + 90_000),
      firstResolvedAt: new Date(at.getTime() + 600_000),
      resolvedAt: new Date(at.getTime() + 900_000),
    });
    expect(figures).toEqual({ timeToAcknowledgeMs: 90_000, timeToResolveMs: 600_000, durationMs: 900_000 });
  });

  it('the archive heads-up comes a day before, or halfway for short delays', () => {
    expect(archiveTimes(at, 7 * 86_400_000).notice).toEqual(new Date(at.getTime() + 6 * 86_400_000));
    expect(archiveTimes(at, 4_000)).toEqual({
      notice: new Date(at.getTime() + 2_000),
      archive: new Date(at.getTime() + 4_000),
    });
  });
});
