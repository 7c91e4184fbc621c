import { describe, expect, it } from '@jest/globals';
import { deliveryView } from '../../src/bot/views/delivery.ts';
import type { DeliveryCounts } from '../../src/core/delivery.ts';

const DAY = 86_400_000;

const QUIET: DeliveryCounts = {
  started: 3,
  live: 0,
  liveRollbacks: 0,
  deploysJudged: 0,
  deploysFailed: 0,
  leadSeconds: undefined,
  approvalWaitSeconds: undefined,
  approvalWaits: 0,
  restores: 0,
  unrestored: 0,
  restoreSeconds: undefined,
};

describe('/ops stats', () => {
  it('says what it cannot measure instead of showing zeros as figures', () => {
    const shown = deliveryView(
      { total: QUIET, services: [], moreServices: 0 },
      { scope: 'staging', perService: true, sinceMs: 7 * DAY },
    );
    expect(shown.text.split('\n')).toEqual([
      '*Delivery figures in `staging`, the last 7d*',
      '*Went live:* 0 (0 deploys, 0 rollbacks) of 3 started · 0/week',
      '*Change failure rate:* no deploy finished',
      '*Time to restore:* no failures',
      '*Lead time, request to live:* nothing went live',
    ]);
  });

  it('tells a failure not restored yet, releases that needed no approval, and how many services are left out', () => {
    const counts: DeliveryCounts = {
      ...QUIET,
      started: 40,
      live: 30,
      deploysJudged: 32,
      deploysFailed: 2,
      leadSeconds: { median: 300, p90: 900 },
      unrestored: 1,
    };
    const services = ['checkout', 'orders'].map((service) => ({ ...counts, service }));
    const shown = deliveryView(
      { total: counts, services, moreServices: 3 },
      { scope: undefined, perService: true, sinceMs: DAY },
    );
    expect(shown.text.split('\n')).toEqual([
      '*Delivery figures everywhere, the last 24h*',
      '*Went live:* 30 (30 deploys, 0 rollbacks) of 40 started · 30/day',
      '*Change failure rate:* 6% (2 of 32 deploys failed or rolled back)',
      '*Time to restore:* nothing restored yet (1 still failing)',
      '*Lead time, request to live:* median 5m, p90 15m',
      '*Of which waiting for approval:* none of them needed approval',
      '*By service* (most releases first)',
      '• *checkout*  30 live · 2 of 32 deploys failed (6%) · 1 still failing',
      '• *orders*  30 live · 2 of 32 deploys failed (6%) · 1 still failing',
      '_and 3 more services_',
    ]);
  });
});
