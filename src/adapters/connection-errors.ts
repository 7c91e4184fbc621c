import type { Logger } from 'pino';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
const CONNECTION_MESSAGES = [/Connection is closed/i, /Stream isn't writeable/i];

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}

// While Redis is away every BullMQ worker reports every reconnect attempt (about 50 lines a second
// for one process): one warning per window says it, with how many were folded into it; anything
// that is not a lost connection is logged as it comes.
export class ConnectionErrorLog {
  readonly #logger: Logger;
  readonly #windowMs: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #folded = 0;

  constructor(logger: Logger, windowMs = 10_000) {
    this.#logger = logger;
    this.#windowMs = windowMs;
  }

  report(error: unknown, fields: Record<string, unknown>, message: string): void {
    if (!isConnectionError(error)) {
      this.#logger.error({ err: error, ...fields }, message);
      return;
    }
    const now = performance.now();
    if (now - this.#windowStart < this.#windowMs) {
      this.#folded += 1;
      return;
    }
    this.#logger.warn({ err: error, ...fields, folded: this.#folded }, `${message}: connection lost, retrying`);
    this.#windowStart = now;
    this.#folded = 0;
  }
}

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'DNS lookup failed (ENOTFOUND)',
  EAI_AGAIN: 'DNS lookup failed (EAI_AGAIN)',
  ECONNREFUSED: 'connection refused (ECONNREFUSED)',
  ECONNRESET: 'connection reset (ECONNRESET)',
  ETIMEDOUT: 'connection timed out (ETIMEDOUT)',
  EHOSTUNREACH: 'host unreachable (EHOSTUNREACH)',
  ENETUNREACH: 'network unreachable (ENETUNREACH)',
};

// A lost or refused connection in words an operator acts on. fetch hides the socket's error in `cause`; pg and
// net give an AggregateError of one per address; other errors (a Redis WRONGPASS) say it in their message.
export function connectionReason(error: unknown): string {
  let cause: unknown = error instanceof Error ? (error.cause ?? error) : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (typeof code === 'string') {
    if (NETWORK_REASONS[code]) return NETWORK_REASONS[code];
    // OpenSSL's message is a multi-line dump; its code says it (ERR_SSL_WRONG_VERSION_NUMBER, CERT_HAS_EXPIRED).
    if (/CERT|SSL|TLS/i.test(code)) return `TLS failed (${code})`;
    return `${code}: ${message.split('\n')[0]}`;
  }
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer within the attempt timeout';
  return message;
}
