// One BullMQ queue per kind of job (see README "Queues"): each kind gets its own concurrency,
// retry policy and metrics, and a slow deploy never delays a quick reply.
export type JobKindSettings = {
  attempts: number;
  concurrency: number;
  backoffMs?: number;
};

// Side effects that must not happen twice (a deploy) get one attempt; reads and Slack updates retry.
export type JobKind =
  | 'whoami'
  | 'plan'
  | 'deploy'
  | 'rollback'
  | 'backup'
  | 'verify'
  | 'restore'
  | 'backup-retention'
  | 'approval-message'
  | 'approval-expire'
  | 'bluegreen-retire'
  | 'incident-declare'
  | 'incident-card'
  | 'incident-effects'
  | 'incident-clock'
  | 'incident-pin'
  | 'backup-digest'
  | 'backup-rpo'
  | 'incident-page'
  | 'home-refresh';

export const JOB_KINDS: Record<JobKind, JobKindSettings> = {
  whoami: { attempts: 3, concurrency: 8, backoffMs: 1_000 },
  plan: { attempts: 2, concurrency: 8, backoffMs: 1_000 },
  deploy: { attempts: 1, concurrency: 16 },
  rollback: { attempts: 1, concurrency: 16 },
  // A snapshot or a dump is not repeated blindly: a failed one is reported and asked for again.
  backup: { attempts: 1, concurrency: 4 },
  verify: { attempts: 1, concurrency: 2 },
  restore: { attempts: 1, concurrency: 4 },
  'backup-retention': { attempts: 3, concurrency: 1, backoffMs: 60_000 },
  'approval-message': { attempts: 6, concurrency: 4, backoffMs: 1_000 },
  'approval-expire': { attempts: 5, concurrency: 2, backoffMs: 2_000 },
  'bluegreen-retire': { attempts: 5, concurrency: 2, backoffMs: 5_000 },
  // Incident set-up and its effects are made of recorded, idempotent steps: retrying resumes them.
  'incident-declare': { attempts: 8, concurrency: 8, backoffMs: 1_000 },
  'incident-card': { attempts: 6, concurrency: 4, backoffMs: 1_000 },
  'incident-effects': { attempts: 6, concurrency: 4, backoffMs: 1_000 },
  'incident-clock': { attempts: 5, concurrency: 4, backoffMs: 2_000 },
  'incident-pin': { attempts: 4, concurrency: 4, backoffMs: 1_000 },
  // Reports that only read and post: a retry re-reads; a breach is announced once (backup_rpo_breaches).
  'backup-digest': { attempts: 3, concurrency: 1, backoffMs: 60_000 },
  'backup-rpo': { attempts: 3, concurrency: 1, backoffMs: 10_000 },
  // A page answered 429, 5xx or not at all is sent again with backoff (1 s … 32 s, about a minute in
  // all); a 400 is final at once (decision 0032).
  'incident-page': { attempts: 7, concurrency: 4, backoffMs: 1_000 },
  // Re-renders the App Home of everyone who opened it lately; a later change enqueues another anyway.
  'home-refresh': { attempts: 2, concurrency: 1, backoffMs: 2_000 },
};

export function isJobKind(value: string): value is JobKind {
  return Object.hasOwn(JOB_KINDS, value);
}
