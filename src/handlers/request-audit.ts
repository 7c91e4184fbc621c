import type { AuditEntry } from '../core/audit.ts';
import type { HandlerDeps } from './deps.ts';

// Who asked, and from where, on the audit rows of a request that came by form or button; the target
// when the form names one, so `/ops audit <service>` finds its refusals too.
export type Asker = {
  actor: string;
  correlationId: string;
  channel: string | undefined;
  command: string | undefined;
  target?: string | undefined;
};

export type AcceptEntry = Omit<AuditEntry, 'event' | 'decision' | 'actor' | 'correlationId'>;

// The accepted row is written before anything starts; when it cannot be, the request fails with it.
export function acceptAs(deps: HandlerDeps, asker: Asker): (entry: AcceptEntry) => Promise<void> {
  return async (entry) => {
    await deps.audit.record({ event: 'request', decision: 'accepted', ...asker, ...entry });
  };
}

// Best effort: the refusal reaches the person even when its row cannot be written.
export async function recordRefusal(deps: HandlerDeps, asker: Asker, action: string, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  await deps.audit.record({ event: 'request', decision: 'refused', ...asker, action, reason }).catch(() => undefined);
}
