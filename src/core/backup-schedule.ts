import { CronExpressionParser } from 'cron-parser';

// Who a scheduled backup or restore drill is "requested by" in its job, its audit rows and its record:
// not a Slack user, so nobody is answered privately about it; its result goes to backups.reportChannel.
export const SCHEDULE_REQUESTER = 'ops-bot (schedule)';

// Five fields (minute hour day-of-month month day-of-week), or six with seconds first, as BullMQ's
// job schedulers read them (they parse with this same cron-parser).
export function cronProblem(text: string): string | undefined {
  const fields = text.trim().split(/\s+/).length;
  const example = 'such as "0 3 * * *" (03:00 every day)';
  if (fields < 5 || fields > 6)
    return `expected a cron expression of five fields (minute hour day month weekday) ${example}, got "${text}"`;
  try {
    CronExpressionParser.parse(text, { strict: false });
    return undefined;
  } catch (error) {
    return `"${text}" is not a valid cron expression (${(error as Error).message}); expected one ${example}`;
  }
}

// A database's newest good backup against its RPO: its age, and whether it is too old (or missing).
export type RpoState = { ageMs: number | undefined; breached: boolean };

export function rpoState(rpoMs: number, newestGood: Date | undefined, now: Date): RpoState {
  if (!newestGood) return { ageMs: undefined, breached: true };
  const ageMs = Math.max(0, now.getTime() - newestGood.getTime());
  return { ageMs, breached: ageMs > rpoMs };
}

// A restore drill is due when none has passed yet or the last one that passed is older than verifyEvery.
export function verifyDue(verifyEveryMs: number, lastPassed: Date | undefined, now: Date): boolean {
  return !lastPassed || now.getTime() - lastPassed.getTime() >= verifyEveryMs;
}

// The weekly digest's scheduler: Mondays at 09:00, in the time zone of the first database (in catalog
// order) that has a schedule, else UTC.
export const DIGEST_CRON = '0 9 * * 1';

export function digestTimeZone(schedules: ({ tz: string } | undefined)[]): string {
  return schedules.find((schedule) => schedule !== undefined)?.tz ?? 'UTC';
}
