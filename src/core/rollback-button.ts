import { z } from 'zod';

// What a Rollback button was made for, carried in its value so that a press after the target moved
// on is refused instead of rolling back something nobody was looking at (issue 14).
// `deploy`: the deploy message's button — the release the deploy put live (its job) and the one it
// started from. `row`: a /deploy history row's button — that row's ReplicaSet by uid.
export const boundRelease = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('deploy'),
    job: z.string(),
    version: z.string(),
    at: z.string(),
    from: z.object({ version: z.string(), revision: z.number().int().optional() }),
  }),
  z.object({ kind: z.literal('row'), revision: z.number().int(), version: z.string(), rs: z.string() }),
]);
export type BoundRelease = z.output<typeof boundRelease>;

// The incident card's button goes to the last good release at the moment it is pressed.
export const rollbackButtonSchema = z.union([
  z.object({ service: z.string(), env: z.string(), bound: boundRelease }),
  z.object({ service: z.string(), env: z.string(), lastGood: z.literal(true) }),
]);
export type RollbackButton = z.output<typeof rollbackButtonSchema>;

// Values of buttons rendered before the binding: `{service, env}` and `{service, env, revision}`.
export const legacyRollbackButton = z.object({ service: z.string(), env: z.string() });

export function rollbackButtonValue(button: RollbackButton): string {
  return JSON.stringify(button);
}
