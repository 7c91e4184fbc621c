// What the audit log records of one request, decision or result (adapters/audit-store.ts writes it).
export type AuditEntry = {
  // When it happened (a request: when it arrived). Rows written after the reply carry it so that the
  // log orders events as they happened, not as their inserts committed. Default: the insert's time.
  at?: Date | undefined;
  event: string;
  decision: string;
  actor: string;
  correlationId: string;
  team?: string | undefined;
  channel?: string | undefined;
  command?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  reason?: string | undefined;
  jobId?: string | undefined;
  planHash?: string | undefined;
  permalink?: string | undefined;
  details?: Record<string, unknown> | undefined;
};

export type AuditRow = Omit<AuditEntry, 'at'> & { id: number; at: Date };
