import { z } from 'zod';
import { deployPlanSchema } from '../core/plan.ts';
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

export const deployChange = z.object({
  kind: z.literal('deploy'),
  service: z.string(),
  version: z.string(),
  env: z.string(),
  strategy: z.enum(['rolling', 'bluegreen', 'canary']).optional(),
  reason: z.string().optional(),
  dryRun: z.boolean(),
  breakGlass: z.string().optional(),
});

const systemJob = z.object({ correlationId: z.string().min(1), approvalId: z.string().min(1) });

export const JOB_DATA = {
  whoami: jobEnvelope,
  plan: jobEnvelope.extend({ change: deployChange, plan: deployPlanSchema.optional() }),
  deploy: jobEnvelope.extend({
    plan: deployPlanSchema,
    planHash: z.string(),
    approvalId: z.string().optional(),
    // Written by the running job: how far it got, so a job resumed after its worker died continues.
    resume: z.object({
      stage: z.enum(['started', 'patching', 'patched', 'idle-rolled', 'switched', 'canary-step', 'stable-patched', 'finished']),
      startedAt: z.number(),
      message: z.object({ channel: z.string(), ts: z.string() }).optional(),
      permalink: z.string().optional(),
      step: z.number().int().optional(),
    }).optional(),
  }),
  'bluegreen-retire': z.object({ correlationId: z.string(), context: z.string(), namespace: z.string(), deployment: z.string(), service: z.string(), colourKey: z.string(), colour: z.string() }),
  'approval-message': systemJob,
  'approval-expire': systemJob,
} as const satisfies Record<JobKind, z.ZodType>;

export type JobData<K extends JobKind> = z.output<(typeof JOB_DATA)[K]>;

// What /ops status can say about any job: who asked and what they typed, when the job has them.
export const jobSummaryData = z.object({ requestedBy: z.object({ userId: z.string() }).optional(), command: z.string().optional() });
