import type { ReleaseLedger } from '../adapters/release-ledger.ts';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { ApprovalStore } from '../adapters/approval-store.ts';
import type { AuditStore } from '../adapters/audit-store.ts';
import type { BackupStore } from '../adapters/backup-store.ts';
import type { IncidentStore } from '../adapters/incident-store.ts';
import type { RdsGateway } from '../adapters/rds.ts';
import type { PagerDutyEvents } from '../adapters/pagerduty.ts';
import type { JobSignals } from '../adapters/job-signals.ts';
import type { KubeClusters } from '../adapters/kube.ts';
import type { TargetLocks } from '../adapters/locks.ts';
import type { SlackDirectory } from '../adapters/slack-directory.ts';
import type { SlackGateway } from '../adapters/slack.ts';
import type { HomeOpeners } from '../adapters/home-openers.ts';
import type { Catalog } from '../core/catalog.ts';
import type { JobData } from './job-data.ts';
import type { JobKind } from './kinds.ts';
import type { JobQueues } from './queues.ts';

export type ProcessorDeps = {
  catalog: Catalog;
  slack: SlackGateway;
  directory: SlackDirectory;
  audit: AuditStore;
  releases: ReleaseLedger;
  approvals: ApprovalStore;
  kube: KubeClusters;
  rds: RdsGateway;
  backups: BackupStore;
  incidents: IncidentStore;
  paging: PagerDutyEvents;
  locks: TargetLocks;
  signals: JobSignals;
  queues: JobQueues;
  homes: HomeOpeners;
  // How often a progress message may be edited (Slack: about one chat.update per second per message).
  progressIntervalMs?: number;
  // How often an RDS snapshot or restore is polled (it takes minutes; AWS's waiters poll every 30 s).
  rdsPollMs?: number;
  logger: Logger;
  now: () => Date;
};

export type ProcessorInput<K extends JobKind> = {
  data: JobData<K>;
  job: Job;
  signal: AbortSignal;
  deps: ProcessorDeps;
  logger: Logger;
};

export type Processor<K extends JobKind> = (input: ProcessorInput<K>) => Promise<unknown>;

// This run is the job's last: BullMQ will not retry it if it fails.
export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
