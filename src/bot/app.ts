import { App, HTTPReceiver, SocketModeReceiver, type Authorize, type Receiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { currentContext, withContext } from '../adapters/log.ts';
import { slackLogger, type SlackGateway } from '../adapters/slack.ts';
import { newCorrelationId } from '../core/ids.ts';

export type BoltSetup = { app: App; httpReceiver: HTTPReceiver | undefined; socketMode: boolean };

export type BoltOptions = {
  botToken: string;
  signingSecret: string | undefined;
  appToken: string | undefined;
  apiUrl: string;
  slack: SlackGateway;
  logger: Logger;
};

// auth.test once, remembered on success and retried on failure, so one Slack hiccup at start
// neither crashes the bot nor pins it to an unknown identity (Bolt's own single-workspace
// authorize caches the first answer, failures included).
function cachedAuthorize(options: BoltOptions): Authorize<boolean> {
  let identity: Promise<{ botId?: string; botUserId?: string; teamId?: string }> | undefined;
  return async () => {
    identity ??= options.slack.authTest().then(
      (answer) => ({
        ...(answer.bot_id ? { botId: answer.bot_id } : {}),
        ...(answer.user_id ? { botUserId: answer.user_id } : {}),
        ...(answer.team_id ? { teamId: answer.team_id } : {}),
      }),
      (error: unknown) => {
        options.logger.warn({ err: error }, 'auth.test failed; continuing without the bot identity');
        identity = undefined;
        return {};
      },
    );
    return { botToken: options.botToken, ...(await identity) };
  };
}

export function createBoltApp(options: BoltOptions): BoltSetup {
  const logger = slackLogger(options.logger.child({ component: 'bolt' }));
  const socketMode = options.appToken !== undefined;
  const httpReceiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: options.signingSecret ?? '',
        endpoints: ['/slack/events'],
        logger,
        processBeforeResponse: false,
      });
  const receiver: Receiver =
    httpReceiver ??
    new SocketModeReceiver({
      appToken: options.appToken!,
      logger,
      installerOptions: { clientOptions: { slackApiUrl: options.apiUrl } },
    });
  // convoStore: false — Bolt's conversation store is a per-request middleware ops-bot never reads.
  const app = new App({
    receiver,
    authorize: cachedAuthorize(options),
    logger,
    convoStore: false,
    clientOptions: { slackApiUrl: options.apiUrl },
  });

  // In HTTP mode the server wrapper already opened a context; Socket Mode events get theirs here.
  app.use(async ({ body, next }) => {
    const context = currentContext();
    if (context) {
      context.label ??= labelOf(body);
      return next();
    }
    return withContext({ correlationId: newCorrelationId(), label: labelOf(body) }, next);
  });
  app.error(async (error) => {
    options.logger.error({ err: error }, 'unhandled error in a Bolt listener');
  });
  return { app, httpReceiver, socketMode };
}

// A bounded metric label for any Slack request: its command, action, event or view.
function labelOf(body: unknown): string {
  const record = (body ?? {}) as Record<string, unknown>;
  if (typeof record.command === 'string') return record.command;
  if (record.type === 'block_actions' && Array.isArray(record.actions))
    return `action:${String((record.actions[0] as Record<string, unknown> | undefined)?.action_id ?? '?')}`;
  if (record.type === 'event_callback')
    return `event:${String((record.event as Record<string, unknown> | undefined)?.type ?? '?')}`;
  if (record.type === 'view_submission')
    return `view:${String((record.view as Record<string, unknown> | undefined)?.callback_id ?? '?')}`;
  return String(record.type ?? 'unknown');
}
