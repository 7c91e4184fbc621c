import { DateTime } from 'luxon';

// The one clock ops-bot reads for policy (freeze windows, approval expiry, the times it shows). Production
// passes the system clock; the sandbox passes an OffsetClock so a person can step into a freeze and out.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

// The system clock shifted by a settable offset. `Date` itself is never touched: only what reads this
// clock moves (signatures, timers and the databases' own now() keep real time).
export class OffsetClock {
  #offsetMs = 0;
  readonly #real: () => number;

  constructor(real: () => number = Date.now) {
    this.#real = real;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  readonly now: Clock = () => new Date(this.#real() + this.#offsetMs);

  readonly nowMs = (): number => this.#real() + this.#offsetMs;

  setAt(at: Date): void {
    this.#offsetMs = at.getTime() - this.#real();
  }

  setOffset(offsetMs: number): void {
    this.#offsetMs = offsetMs;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}

export class ClockTimeError extends Error {}

// "2026-12-24 10:00 Europe/Berlin", "2026-12-24T10:00" (UTC unless a zone follows), an ISO time with an
// offset, or "now" (undefined: no offset).
export function parseClockTime(text: string): Date | undefined {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'now') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:\s+(\S+))?$/.exec(trimmed);
  const parsed = match
    ? DateTime.fromISO(`${match[1]}T${match[2]!.padStart(5, '0')}`, { zone: match[3] ?? 'UTC' })
    : DateTime.fromISO(trimmed, { setZone: true });
  if (!parsed.isValid)
    throw new ClockTimeError(
      `"${text}" is not a time the sandbox understands (${parsed.invalidExplanation ?? parsed.invalidReason}); ` +
        'write it as "2026-12-24 10:00 Europe/Berlin", an ISO time such as 2026-12-24T09:00Z, or "now".',
    );
  return parsed.toJSDate();
}
