import { describe, expect, it } from '@jest/globals';
import { changeFailureRate, frequency, releaseDurations, type FinishedRelease } from '../../src/core/delivery.ts';

const DAY = 86_400_000;

describe('deployment frequency', () => {
  it('is per day when at least one a day, or when the window is shorter than a week', () => {
    expect(frequency(45, 30 * DAY)).toEqual({ rate: 1.5, per: 'day' });
    expect(frequency(2, 3 * DAY)).toEqual({ rate: 0.7, per: 'day' });
    expect(frequency(3, 2 * 3_600_000)).toEqual({ rate: 36, per: 'day' });
  });

  it('is per week when fewer than one a day over a week or more', () => {
    expect(frequency(12, 30 * DAY)).toEqual({ rate: 2.8, per: 'week' });
    expect(frequency(0, 30 * DAY)).toEqual({ rate: 0, per: 'week' });
  });
});

describe('change failure rate', () => {
  it('is the share of judged deploys that failed, rounded to a percent', () => {
    expect(changeFailureRate({ deploysJudged: 3, deploysFailed: 1 })).toEqual({ failed: 1, of: 3, percent: 33 });
    expect(changeFailureRate({ deploysJudged: 8, deploysFailed: 0 })).toEqual({ failed: 0, of: 8, percent: 0 });
  });

  it('is unknown when no deploy was judged', () => {
    expect(changeFailureRate({ deploysJudged: 0, deploysFailed: 0 })).toBeUndefined();
  });
});

describe('a finished release as Prometheus observations', () => {
  const release: FinishedRelease = {
    service: 'checkout',
    env: 'production',
    outcome: 'succeeded',
    requestedAt: new Date('2026-11-30T10:00:00Z'),
    approvedAt: new Date('2026-11-30T10:12:00Z'),
    finishedAt: new Date('2026-11-30T10:20:00Z'),
  };

  it('has a lead time and an approval wait when it went live after an approval', () => {
    expect(releaseDurations(release)).toEqual({ lead: 1_200, approvalWait: 720 });
  });

  it('has no approval wait when it needed no approval', () => {
    expect(releaseDurations({ ...release, approvedAt: undefined })).toEqual({ lead: 1_200 });
  });

  it('has neither when it did not go live', () => {
    for (const outcome of ['failed', 'rolled_back_auto', 'cancelled', 'refused', 'interrupted'] as const)
      expect(releaseDurations({ ...release, outcome })).toEqual({});
  });
});
