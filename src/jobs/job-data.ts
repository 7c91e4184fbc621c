import { z } from 'zod';
import type { JobKind } from './kinds.ts';

// Job data is read back from Redis, which any process with access can write: parse it, never trust it.
// Secrets stay out (job data is clear text); ids and plans go in, live objects never do.
export const jobEnvelope = z.object({
  correlationId: z.string().min(1),
  requestedBy: z.object({ userId: z.string().min(1), teamId: z.string().optional() }),
  channelId: z.string().optional(),
  responseUrl: z.url().optional(),
  command: z.string().max(2_100).optional(),
  requestedAt: z.iso.datetime(),
});

export type JobEnvelope = z.output<typeof jobEnvelope>;

export const JOB_DATA = {
  whoami: jobEnvelope,
} as const satisfies Record<JobKind, z.ZodType>;

export type JobData<K extends JobKind> = z.output<(typeof JOB_DATA)[K]>;
