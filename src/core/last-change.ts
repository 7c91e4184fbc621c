import { z } from 'zod';
import { RELEASE_OUTCOMES } from './release.ts';
import { ranWords } from './release-words.ts';

// The newest release of an affected service that started before the incident was declared, read from
// the release ledger once, at declaration, and kept in the incident's `steps` (JSON) under
// LAST_CHANGE_STEP so every later rendering of the card shows the same line without a ledger read.
export const LAST_CHANGE_STEP = 'last-change';

const change = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('known'),
    kind: z.enum(['deploy', 'rollback']),
    version: z.string(),
    requester: z.string(),
    startedAt: z.iso.datetime(),
    outcome: z.enum(RELEASE_OUTCOMES).nullable(),
  }),
  z.object({ state: z.literal('none') }),
  z.object({ state: z.literal('unreadable') }),
]);
export type LastChange = z.output<typeof change>;

// Per service, in the environment the card shows for it.
export const lastChanges = z.record(z.string(), change);
export type LastChanges = z.output<typeof lastChanges>;

// Read back from the stored steps (parsed, never trusted): undefined when none was recorded, as for
// incidents declared before the line existed.
export function lastChangesOf(steps: Record<string, unknown>): LastChanges | undefined {
  const parsed = lastChanges.safeParse(steps[LAST_CHANGE_STEP]);
  return parsed.success ? parsed.data : undefined;
}

const OUTCOME_WORDS: Record<string, string> = {
  failed: 'failed',
  rolled_back_auto: 'failed, rolled back automatically',
  rolled_back: 'later rolled back',
  cancelled: 'cancelled',
  refused: 'refused',
  superseded: 'superseded',
  interrupted: 'interrupted',
};

// "last change: 1.4.2 by <@U…>, 12 minutes before declaration" (with the outcome when it did not
// simply succeed).
export function lastChangeWords(last: LastChange, declaredAt: Date): string {
  if (last.state === 'none') return 'last change: none recorded by ops-bot';
  if (last.state === 'unreadable') return 'last change: could not be read (the release ledger did not answer)';
  const what = last.kind === 'rollback' ? `rollback to ${last.version}` : last.version;
  const before = ranWords(declaredAt.getTime() - new Date(last.startedAt).getTime());
  const outcome = last.outcome === null ? 'still running' : OUTCOME_WORDS[last.outcome];
  return `last change: ${what} by <@${last.requester}>, ${before} before declaration${outcome ? ` (${outcome})` : ''}`;
}
