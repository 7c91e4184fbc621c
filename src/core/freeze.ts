import { DateTime } from 'luxon';
import type { FreezeWindow } from './catalog.ts';

export type FreezePeriod = { name: string; start: Date; end: Date };

const WEEKDAY: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

function clockOn(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

// Each occurrence of a window that overlaps [from - 8 days, from + horizon]. A weekly window
// starts on each listed day at `from` and ends at `to` the same day, or the next day when `to` is
// not after `from` (the catalog contract: "to may be next day"). A date range runs from the start
// of its first day to the end of its last, in its time zone (inclusive). Times are wall-clock in
// the window's zone, so DST shifts move them as people expect.
export function occurrences(window: FreezeWindow, from: Date, horizonDays: number): FreezePeriod[] {
  if ('start' in window) {
    const start = DateTime.fromISO(window.start, { zone: window.tz }).startOf('day');
    const end = DateTime.fromISO(window.end, { zone: window.tz }).plus({ days: 1 }).startOf('day');
    return [{ name: window.name, start: start.toJSDate(), end: end.toJSDate() }];
  }
  const periods: FreezePeriod[] = [];
  const origin = DateTime.fromJSDate(from, { zone: window.tz }).startOf('day');
  for (let offset = -8; offset <= horizonDays; offset += 1) {
    const day = origin.plus({ days: offset });
    if (!window.days.some((name) => WEEKDAY[name] === day.weekday)) continue;
    const start = clockOn(day, window.from);
    let end = clockOn(day, window.to);
    if (end <= start) end = clockOn(day.plus({ days: 1 }), window.to);
    periods.push({ name: window.name, start: start.toJSDate(), end: end.toJSDate() });
  }
  return periods;
}

// The freeze in force at `now`, if any; when windows overlap or abut, the one that ends last, with
// its end extended through every period chained onto it (so "ends at" is when changes open again).
export function activeFreeze(windows: FreezeWindow[], now: Date): FreezePeriod | undefined {
  const periods = windows
    .flatMap((window) => occurrences(window, now, 14))
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  const covering = periods.filter((period) => period.start <= now && now < period.end);
  if (covering.length === 0) return undefined;
  let current = covering.reduce((latest, period) => (period.end > latest.end ? period : latest));
  let end = current.end;
  for (const period of periods) {
    if (period.start <= end && period.end > end) {
      end = period.end;
      current = period;
    }
  }
  return {
    name: covering.length > 1 ? covering.map((period) => period.name).join(' + ') : current.name,
    start: covering[0]!.start,
    end,
  };
}

// The next freezes that start after `now`, soonest first.
export function upcomingFreezes(windows: FreezeWindow[], now: Date, limit = 3): FreezePeriod[] {
  return windows
    .flatMap((window) => occurrences(window, now, 60))
    .filter((period) => period.start > now)
    .sort((a, b) => a.start.getTime() - b.start.getTime())
    .slice(0, limit);
}
