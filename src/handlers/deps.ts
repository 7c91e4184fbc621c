import type { Logger } from 'pino';
import type { ApprovalStore } from '../adapters/approval-store.ts';
import type { AuditStore } from '../adapters/audit-store.ts';
import type { JobSignals } from '../adapters/job-signals.ts';
import type { KubeClusters } from '../adapters/kube.ts';
import type { TargetLocks } from '../adapters/locks.ts';
import type { SlackGateway } from '../adapters/slack.ts';
import type { DeliveryLedger } from '../adapters/dedupe.ts';
import type { Metrics } from '../adapters/metrics.ts';
import type { SlackDirectory } from '../adapters/slack-directory.ts';
import type { Catalog } from '../config/catalog-schema.ts';
import type { JobQueues } from '../jobs/queues.ts';

export type HandlerDeps = {
  catalog: Catalog;
  queues: JobQueues;
  audit: AuditStore;
  approvals: ApprovalStore;
  locks: TargetLocks;
  signals: JobSignals;
  kube: KubeClusters;
  slack: SlackGateway;
  ledger: DeliveryLedger;
  directory: SlackDirectory;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
};
