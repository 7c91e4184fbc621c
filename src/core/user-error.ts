// A failure the person in Slack can act on. One place (handlers/error-boundary.ts) turns it
// into an ephemeral reply; everything else is an unexpected error with an id to quote.
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly hint: string | undefined;
  readonly code: string;

  constructor(message: string, options: { hint?: string; code?: string } = {}) {
    super(message);
    this.hint = options.hint;
    this.code = options.code ?? 'invalid_request';
  }
}
