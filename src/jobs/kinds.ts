// One BullMQ queue per kind of job (see README "Queues"): each kind gets its own concurrency,
// retry policy and metrics, and a slow deploy never delays a quick reply.
export type JobKindSettings = {
  attempts: number;
  concurrency: number;
  // Side effects that must not happen twice (a deploy) get one attempt; lookups retry.
  backoffMs?: number;
};

export const JOB_KINDS = {
  whoami: { attempts: 3, concurrency: 8, backoffMs: 1_000 },
} as const satisfies Record<string, JobKindSettings>;

export type JobKind = keyof typeof JOB_KINDS;

export function isJobKind(value: string): value is JobKind {
  return Object.hasOwn(JOB_KINDS, value);
}
