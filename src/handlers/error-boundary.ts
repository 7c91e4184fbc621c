import type { Logger } from 'pino';
import { unexpectedErrorView, userErrorView } from '../bot/views/errors.ts';
import type { View } from '../bot/views/blocks.ts';
import { newErrorId } from '../core/ids.ts';
import { UserError } from '../core/user-error.ts';

// The one place that decides what a person sees when something fails: their mistake gets the
// message and usage; ours gets an id to quote, and the full story goes to the log.
export function viewOfError(error: unknown, correlationId: string, logger: Logger): View {
  if (error instanceof UserError) return userErrorView(error.message, error.hint);
  const errorId = newErrorId();
  logger.error({ err: error, errorId }, 'unexpected error while handling a Slack request');
  return unexpectedErrorView(errorId, correlationId);
}
