import type { Logger } from 'pino';
import type { AuditStore } from '../adapters/audit-store.ts';
import type { DeliveryLedger } from '../adapters/dedupe.ts';
import type { Metrics } from '../adapters/metrics.ts';
import type { SlackDirectory } from '../adapters/slack-directory.ts';
import type { Catalog } from '../config/catalog-schema.ts';
import type { JobQueues } from '../jobs/queues.ts';

export type HandlerDeps = {
  catalog: Catalog;
  queues: JobQueues;
  audit: AuditStore;
  ledger: DeliveryLedger;
  directory: SlackDirectory;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
};
