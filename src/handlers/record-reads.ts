import type { Logger } from 'pino';
import { UserError } from '../core/user-error.ts';
import { beforeDeadline } from './budget.ts';

const RECORDS_DOWN_HINT =
  'Its database (PostgreSQL) did not answer in time. Try again in a minute; if it persists, tell the ops-bot owners.';

// A record the answer cannot do without (the backup a restore starts from, the incident a form
// changes), read before the reply: PostgreSQL failing or hanging becomes this refusal, in time,
// instead of an error id or Slack's own timeout.
export function recordsUnavailable(): UserError {
  return new UserError(
    'ops-bot cannot read its records right now, so it will not start anything. Nothing was changed.',
    {
      hint: RECORDS_DOWN_HINT,
      code: 'records_unavailable',
    },
  );
}

// `read` within `ms`; a refusal the person can act on (a UserError from the read itself) passes through.
export async function readRecordWithin<T>(read: Promise<T>, ms: number, logger: Logger): Promise<T> {
  try {
    return await beforeDeadline(read, ms, () => new Error(`the record did not arrive within ${Math.round(ms)} ms`));
  } catch (error) {
    if (error instanceof UserError) throw error;
    logger.warn({ err: error }, 'could not read a record before the reply');
    throw recordsUnavailable();
  }
}
