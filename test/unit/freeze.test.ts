import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { activeFreeze, upcomingFreezes } from '../../src/core/freeze.ts';
import type { FreezeWindow } from '../../src/core/catalog.ts';

// The windows of the reference catalog.
const WEEKEND: FreezeWindow = {
  name: 'weekend',
  days: ['fri', 'sat', 'sun'],
  from: '16:00',
  to: '08:00',
  tz: 'Europe/Berlin',
};
const YEAR_END: FreezeWindow = { name: 'year-end', start: '2026-12-20', end: '2027-01-04', tz: 'UTC' };
const at = (iso: string) => new Date(iso);

describe('weekly freeze windows', () => {
  it('start on each listed day at "from" in their time zone and end at "to" the next morning', () => {
    // Friday 27 Nov 2026, 16:00 in Berlin is 15:00 UTC.
    expect(activeFreeze([WEEKEND], at('2026-11-27T14:59:00Z'))).toBeUndefined();
    expect(activeFreeze([WEEKEND], at('2026-11-27T15:00:00Z'))).toEqual({
      name: 'weekend',
      start: at('2026-11-27T15:00:00Z'),
      end: at('2026-11-28T07:00:00Z'),
    });
    expect(activeFreeze([WEEKEND], at('2026-11-28T07:00:00Z'))).toBeUndefined();
    // Sunday 16:00 runs into Monday 08:00.
    expect(activeFreeze([WEEKEND], at('2026-11-30T06:00:00Z'))?.end).toEqual(at('2026-11-30T07:00:00Z'));
  });

  it('follow daylight saving time in their zone', () => {
    // 27 March 2026 is a Friday before the spring change (CET, UTC+1); 2 April 2026 … Friday 3 April is CEST (UTC+2).
    expect(activeFreeze([WEEKEND], at('2026-03-27T15:00:00Z'))?.name).toBe('weekend');
    expect(activeFreeze([WEEKEND], at('2026-04-03T14:00:00Z'))?.name).toBe('weekend');
    expect(activeFreeze([WEEKEND], at('2026-04-03T13:59:00Z'))).toBeUndefined();
  });

  it('lists the next windows soonest first', () => {
    const next = upcomingFreezes([WEEKEND], at('2026-11-23T09:00:00Z'), 2);
    expect(next.map((period) => period.start)).toEqual([at('2026-11-27T15:00:00Z'), at('2026-11-28T15:00:00Z')]);
  });
});

describe('date-range freezes', () => {
  it('cover whole days, both ends included', () => {
    expect(activeFreeze([YEAR_END], at('2026-12-19T23:59:59Z'))).toBeUndefined();
    expect(activeFreeze([YEAR_END], at('2026-12-20T00:00:00Z'))?.name).toBe('year-end');
    expect(activeFreeze([YEAR_END], at('2027-01-04T23:59:59Z'))?.end).toEqual(at('2027-01-05T00:00:00Z'));
    expect(activeFreeze([YEAR_END], at('2027-01-05T00:00:00Z'))).toBeUndefined();
  });

  it('say when changes open again when windows overlap', () => {
    // Sunday 3 Jan 2027, 20:00 UTC: both apply; the weekend one runs to Monday 07:00 UTC, the range to Tuesday 00:00.
    expect(activeFreeze([WEEKEND, YEAR_END], at('2027-01-03T20:00:00Z'))).toEqual({
      name: 'year-end + weekend',
      start: at('2026-12-20T00:00:00Z'),
      end: at('2027-01-05T00:00:00Z'),
    });
  });
});

describe('any moment', () => {
  it('is frozen exactly when it falls inside an occurrence, and the freeze ends after it', () => {
    fc.assert(
      fc.property(
        fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z'), noInvalidDate: true }),
        (now) => {
          const freeze = activeFreeze([WEEKEND, YEAR_END], now);
          if (freeze) {
            expect(freeze.start.getTime()).toBeLessThanOrEqual(now.getTime());
            expect(freeze.end.getTime()).toBeGreaterThan(now.getTime());
            expect(activeFreeze([WEEKEND, YEAR_END], freeze.end)).toBeUndefined();
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
