import { describe, expect, it } from '@jest/globals';
import { ClockTimeError, OffsetClock, parseClockTime } from '../../src/core/clock.ts';

describe('parseClockTime', () => {
  it('reads a wall-clock time in a named zone, UTC without one, an ISO time, and "now"', () => {
    expect(parseClockTime('2026-12-24 10:00 Europe/Berlin')?.toISOString()).toBe('2026-12-24T09:00:00.000Z');
    expect(parseClockTime('2026-07-01 9:30')?.toISOString()).toBe('2026-07-01T09:30:00.000Z');
    expect(parseClockTime('2026-12-24T10:00:00+01:00')?.toISOString()).toBe('2026-12-24T09:00:00.000Z');
    expect(parseClockTime(' NOW ')).toBeUndefined();
  });

  it('names what it could not read and how to write it', () => {
    expect(() => parseClockTime('2026-12-24 10:00 Mars/Olympus')).toThrow(ClockTimeError);
    expect(() => parseClockTime('tomorrow')).toThrow('"2026-12-24 10:00 Europe/Berlin"');
  });
});

describe('OffsetClock', () => {
  it('runs on from the time it was set to, and goes back to real time on reset', () => {
    let real = Date.parse('2026-11-30T12:00:00Z');
    const clock = new OffsetClock(() => real);
    clock.setAt(new Date('2026-12-24T09:00:00Z'));
    real += 60_000;
    expect(clock.now().toISOString()).toBe('2026-12-24T09:01:00.000Z');
    clock.reset();
    expect(clock.now().getTime()).toBe(real);
  });
});
