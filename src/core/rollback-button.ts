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

// What the incident card's Roll back form showed when it opened (views are static, so it names the
// ends it computed at the press): each end by identity — `rs:<uid>` of a ReplicaSet, or the
// blue-green colour's Deployment and image — and the plan's words. Submitted after either end moved
// on, it is refused instead of rolling back something the form did not show.
export const shownRollback = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  summary: z.string(),
});
export type ShownRollback = z.output<typeof shownRollback>;

// Values of buttons rendered before the binding: `{service, env}` and `{service, env, revision}`.
export const legacyRollbackButton = z.object({ service: z.string(), env: z.string() });

export function rollbackButtonValue(button: RollbackButton): string {
  return JSON.stringify(button);
}
