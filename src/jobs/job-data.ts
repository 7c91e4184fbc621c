import { z } from 'zod';
import { deployPlanSchema, restorePlanSchema, rollbackPlanSchema } from '../core/plan.ts';
import { boundRelease, shownRollback } from '../core/rollback-button.ts';
import { PAGING_ACTIONS } from '../core/paging.ts';
import { SEVERITIES } from '../core/grammar/values.ts';
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
  // A promotion: the digest the earlier environment ran; the image is pinned to it.
  digest: z.string().optional(),
  env: z.string(),
  strategy: z.enum(['rolling', 'bluegreen', 'canary']).optional(),
  reason: z.string().optional(),
  dryRun: z.boolean(),
  breakGlass: z.string().optional(),
});

// Deploys and rollbacks: the plan, its hash, the approval it ran under, and, written by the running
// job itself, how far it got, so a job resumed after its worker died continues from there.
const changeJob = jobEnvelope.extend({
  planHash: z.string(),
  approvalId: z.string().optional(),
  resume: z
    .object({
      stage: z.enum([
        'started',
        'patching',
        'patched',
        'idle-rolled',
        'switched',
        'canary-step',
        'stable-patched',
        'finished',
      ]),
      startedAt: z.number(),
      message: z.object({ channel: z.string(), ts: z.string() }).optional(),
      permalink: z.string().optional(),
      step: z.number().int().optional(),
    })
    .optional(),
});

// The progress message of a backup or restore, recorded once posted: what an interrupted job's
// outcome is written into when its worker is gone (jobs/interrupted.ts).
const progressMessage = z.object({ channel: z.string(), ts: z.string() });

export const rollbackChange = z.object({
  kind: z.literal('rollback'),
  service: z.string(),
  env: z.string(),
  to: z.union([z.object({ revision: z.number().int() }), z.object({ version: z.string() })]).optional(),
  // From a Rollback button: the release it was made for; pre-flight refuses if that moved on.
  bound: boundRelease.optional(),
  // From the incident card's Roll back form: the ends it showed; pre-flight refuses if either moved.
  shown: shownRollback.optional(),
  reason: z.string().optional(),
  breakGlass: z.string().optional(),
  dryRun: z.boolean().default(false),
});

export const restoreChange = z.object({
  kind: z.literal('restore'),
  backupId: z.string(),
  target: z.string(),
  service: z.string(), // the database, under the key the planning reservation uses
  env: z.string(),
  reason: z.string().optional(),
  breakGlass: z.string().optional(),
  dryRun: z.boolean().default(false),
});

const systemJob = z.object({ correlationId: z.string().min(1), approvalId: z.string().min(1) });
const incidentJob = z.object({ correlationId: z.string().min(1), incidentId: z.string().min(1) });

export const JOB_DATA = {
  whoami: jobEnvelope,
  plan: jobEnvelope.extend({
    change: z.discriminatedUnion('kind', [deployChange, rollbackChange, restoreChange]),
    plan: z.discriminatedUnion('kind', [deployPlanSchema, rollbackPlanSchema, restorePlanSchema]).optional(),
  }),
  deploy: changeJob.extend({ plan: deployPlanSchema }),
  rollback: changeJob.extend({ plan: rollbackPlanSchema }),
  restore: changeJob.extend({ plan: restorePlanSchema, progress: progressMessage.optional() }),
  // `scheduled`: from a database's job scheduler; its result goes to backups.reportChannel.
  backup: jobEnvelope.extend({
    database: z.string(),
    reason: z.string().optional(),
    progress: progressMessage.optional(),
    scheduled: z.boolean().optional(),
  }),
  verify: jobEnvelope.extend({ backupId: z.string(), scheduled: z.boolean().optional() }),
  'backup-retention': z.object({ correlationId: z.string() }),
  'bluegreen-retire': z.object({
    correlationId: z.string(),
    context: z.string(),
    namespace: z.string(),
    deployment: z.string(),
    service: z.string(),
    colourKey: z.string(),
    colour: z.string(),
  }),
  'approval-message': systemJob,
  'incident-declare': jobEnvelope.extend({ incidentId: z.string().min(1) }),
  'incident-card': incidentJob,
  'incident-effects': incidentJob.extend({
    version: z.number().int(),
    effects: z.array(z.enum(['announce-severity', 'post-update', 'resolve', 'reopen', 'acknowledged'])),
    actor: z.string(),
    clocks: z.enum(['keep', 'restart', 'stop']),
    text: z.string().max(4_000).optional(),
    // The severity after this change (what a page triggers for); outboxes stored before paging lack it.
    severity: z.enum(SEVERITIES).optional(),
  }),
  'incident-clock': incidentJob.extend({
    clock: z.enum(['ack', 'update', 'archive-notice', 'archive']),
    generation: z.number().int(),
    due: z.number(),
  }),
  'incident-pin': incidentJob.extend({ channel: z.string(), ts: z.string(), user: z.string() }),
  'incident-page': incidentJob.extend({
    action: z.enum(PAGING_ACTIONS),
    // The severity a trigger pages for (its routing key); acknowledge and resolve go to every key triggered.
    severity: z.enum(SEVERITIES),
    actor: z.string(),
  }),
  'approval-expire': systemJob,
  'backup-digest': z.object({ correlationId: z.string() }),
  'backup-rpo': z.object({ correlationId: z.string() }),
  'home-refresh': z.object({ correlationId: z.string() }),
} as const satisfies Record<JobKind, z.ZodType>;

export type JobData<K extends JobKind> = z.output<(typeof JOB_DATA)[K]>;
export type ChangeJobData = JobData<'deploy'> | JobData<'rollback'> | JobData<'restore'>;

// What /ops status can say about any job: who asked and what they typed, when the job has them.
export const jobSummaryData = z.object({
  requestedBy: z.object({ userId: z.string() }).optional(),
  command: z.string().optional(),
});
