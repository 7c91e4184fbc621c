import type { AuditEntry } from '../core/audit.ts';
import { UserError } from '../core/user-error.ts';
import { AckDeadline, ENQUEUE_RESERVE_MS } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

export type Acceptance = Omit<
  AuditEntry,
  'event' | 'decision' | 'actor' | 'correlationId' | 'team' | 'channel' | 'command'
>;

// What every row of one slash command says about who asked, where, when and with which words.
export type CommandOrigin = Pick<AuditEntry, 'at' | 'actor' | 'team' | 'channel' | 'command' | 'correlationId'>;

const AUDIT_DOWN_HINT =
  'The audit database (PostgreSQL) is unreachable. Try again in a minute; if it persists, tell the ops-bot owners.';

const AUDIT_DOWN = new UserError(
  'ops-bot cannot write its audit log right now, so it will not start anything. Nothing was changed.',
  { hint: AUDIT_DOWN_HINT, code: 'audit_unavailable' },
);

// The audit row of a request that changes something is written before the change (fail closed);
// every other row (read-only answers, refusals) is written right after the reply has gone, so
// PostgreSQL's commit latency is not in front of Slack's 3-second deadline.
export class CommandAudit {
  readonly #deps: HandlerDeps;
  readonly #origin: CommandOrigin;
  readonly #deadline: AckDeadline;
  #pending: AuditEntry | undefined;
  #audited = false;
  #writtenFirst = false;

  constructor(deps: HandlerDeps, origin: CommandOrigin, deadline: AckDeadline = new AckDeadline()) {
    this.#deps = deps;
    this.#origin = origin;
    this.#deadline = deadline;
  }

  // failClosed: throw (and so do nothing) when the row cannot be written before the ack deadline, leaving
  // the enqueue its share: a hanging PostgreSQL then gets the refusal in time rather than Slack's timeout.
  async accept(entry: Acceptance, options: { failClosed?: boolean } = {}): Promise<void> {
    this.#audited = true;
    if (!options.failClosed) {
      this.#pending = this.#row('accepted', entry);
      return;
    }
    try {
      const ms = this.#deadline.share(Number.POSITIVE_INFINITY, ENQUEUE_RESERVE_MS);
      await this.#deps.audit.recordWithin(this.#row('accepted', entry), ms);
      this.#writtenFirst = true;
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'audit write failed');
      throw AUDIT_DOWN;
    }
  }

  // The request's accepted row is in the audit log already: what it asked for may be under way.
  get writtenFirst(): boolean {
    return this.#writtenFirst;
  }

  // A handler that answered without writing its own row is recorded as accepted under the label.
  answered(action: string): void {
    if (!this.#audited) this.#pending = this.#row('accepted', { action });
  }

  failed(outcome: 'refused' | 'error', action: string, reason: string): void {
    // Written already (fail closed) means the request was recorded as accepted: add what became of it.
    this.#pending =
      !this.#audited || this.#pending
        ? this.#row(outcome === 'refused' ? 'refused' : 'failed', { action, reason })
        : { ...this.#row('failed', { action, reason }), event: 'result' };
  }

  async writeAfterReply(): Promise<void> {
    if (!this.#pending) return;
    // Node flushes a response on the next tick, after the promise chain it was ended in; yield to the
    // event loop first so the reply is on the wire before the audit row is logged and sent.
    await new Promise((resolve) => setImmediate(resolve));
    await this.#deps.audit
      .record(this.#pending)
      .catch((error: unknown) => this.#deps.logger.error({ err: error, audit: this.#pending }, 'audit write failed'));
  }

  #row(decision: string, entry: Acceptance): AuditEntry {
    return { ...this.#origin, event: 'request', decision, ...entry };
  }
}
