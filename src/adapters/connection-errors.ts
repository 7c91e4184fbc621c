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
