import {
  LogLevel,
  WebClient,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  retryPolicies,
  type Logger as SlackLogger,
  type RetryOptions,
} from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BoundedMap } from './bounded-map.ts';
import { LocalChannelPacer, type ChannelPacer } from './channel-pacer.ts';
import type { Metrics } from './metrics.ts';

export type SlackMessage = { text: string; blocks?: unknown[] };
export type MessageRef = { channel: string; ts: string };

export type SlackRetry = 'production' | 'rapid';

// Web API answers we depend on, parsed rather than trusted.
const postedMessage = z.object({ channel: z.string(), ts: z.string() });
const authIdentity = z.object({
  user_id: z.string().optional(),
  bot_id: z.string().optional(),
  team_id: z.string().optional(),
  team: z.string().optional(),
});
const usergroupList = z.object({
  usergroups: z.array(z.object({ id: z.string(), handle: z.string(), date_delete: z.number().optional() })).default([]),
});
const usergroupMembers = z.object({ users: z.array(z.string()).default([]) });
const permalinkAnswer = z.object({ permalink: z.string() });
const openedChannel = z.object({ channel: z.object({ id: z.string() }) });
const uploadTarget = z.object({ upload_url: z.url(), file_id: z.string() });

export function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack-web-api' });
  let level = LogLevel.INFO;
  return {
    // Bolt and web-api call debug() on every request: format only when it will be written.
    debug: (...messages) => {
      if (child.isLevelEnabled('debug')) child.debug(messages.map(String).join(' '));
    },
    info: (...messages) => child.info(messages.map(String).join(' ')),
    warn: (...messages) => child.warn(messages.map(String).join(' ')),
    error: (...messages) => child.error(messages.map(String).join(' ')),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export type SlackGatewayOptions = {
  token: string;
  apiUrl: string;
  logger: Logger;
  metrics: Metrics;
  retry?: SlackRetry;
  pacer?: ChannelPacer;
};

// rejectRateLimitedCalls: a 429 comes back to SlackGateway.call, which waits its Retry-After once and
// sends again. Left to the client, the wait would be followed by the retry policy's own backoff
// (1 s, then 3.9 s, 15 s… for fiveRetriesInFiveMinutes), stacked on top of Retry-After.
export function createWebClient(options: SlackGatewayOptions): WebClient {
  const retryConfig: RetryOptions =
    options.retry === 'rapid'
      ? { ...retryPolicies.rapidRetryPolicy, retries: 5 }
      : retryPolicies.fiveRetriesInFiveMinutes;
  return new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    logger: slackLogger(options.logger),
    retryConfig,
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

// How many 429s in a row one call waits out before it gives up and throws.
const MAX_RATE_LIMITED_ATTEMPTS = 10;

function retryAfterMs(error: unknown): number | undefined {
  return error instanceof WebAPIRateLimitedError ? Math.max(0, error.retryAfter) * 1000 : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Everything ops-bot says to Slack goes through here, named in our words, logged and counted.
export class SlackGateway {
  readonly client: WebClient;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #pacer: ChannelPacer;
  #identity: Promise<z.output<typeof authIdentity>> | undefined;
  // Per Web API method, when its last Retry-After ends: the methods are ours (a few dozen), the bound a guard.
  readonly #rateLimitedUntil = new BoundedMap<string, number>(100);

  constructor(options: SlackGatewayOptions, client: WebClient = createWebClient(options)) {
    this.client = client;
    this.#logger = options.logger.child({ component: 'slack' });
    this.#metrics = options.metrics;
    this.#pacer = options.pacer ?? new LocalChannelPacer();
  }

  async call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.#logger.debug({ method, channel: args.channel }, 'slack api call');
    for (let attempt = 1; ; attempt += 1) {
      await this.#rateLimitedWait(method);
      try {
        const result = await this.client.apiCall(method, args);
        this.#metrics.slackApiCalls.inc({ method, outcome: 'ok' });
        return { ...result };
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs !== undefined && attempt < MAX_RATE_LIMITED_ATTEMPTS) {
          this.#metrics.slackApiCalls.inc({ method, outcome: 'ratelimited' });
          this.#logger.info(
            { method, retryAfterMs: waitMs, attempt },
            'slack api call rate limited; waiting Retry-After',
          );
          this.#rateLimitedUntil.set(method, Math.max(this.#rateLimitedUntil.get(method) ?? 0, Date.now() + waitMs));
          continue;
        }
        const outcome =
          error instanceof WebAPIPlatformError ? error.data.error : waitMs !== undefined ? 'ratelimited' : 'error';
        this.#metrics.slackApiCalls.inc({ method, outcome });
        this.#logger.warn({ method, err: error }, 'slack api call failed');
        throw error;
      }
    }
  }

  // Slack rate-limits per method: after a 429, every call of that method waits out the one
  // Retry-After (and nothing more) before it is sent.
  async #rateLimitedWait(method: string): Promise<void> {
    const until = this.#rateLimitedUntil.get(method);
    if (until === undefined) return;
    const waitMs = until - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    else this.#rateLimitedUntil.delete(method);
  }

  async authTest(): Promise<z.output<typeof authIdentity>> {
    return authIdentity.parse(await this.call('auth.test', {}));
  }

  // The bot's own user id (auth.test), asked once.
  async botUserId(): Promise<string> {
    this.#identity ??= this.authTest().catch((error: unknown) => {
      this.#identity = undefined;
      throw error;
    });
    const identity = await this.#identity;
    if (!identity.user_id) throw new Error('auth.test did not name the bot user');
    return identity.user_id;
  }

  // About one message per second per channel (bursts of 3) keeps 429s away; those that still come
  // are waited out once (Retry-After) by call() before it sends again. A pacer that cannot answer (Redis
  // down) does not stop the message.
  async #paced(channel: string): Promise<void> {
    const waitMs = await this.#pacer.reserve(channel).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'channel pacing unavailable; posting unpaced');
      return 0;
    });
    if (waitMs > 0) await sleep(waitMs);
  }

  // `paced`: for traffic that comes in bursts into one channel (an incident's set-up, broadcasts,
  // reminders). A deploy's or rollback's own message is never held back behind the pace.
  async postMessage(
    channel: string,
    message: SlackMessage,
    threadTs?: string,
    options: { paced?: boolean } = {},
  ): Promise<MessageRef> {
    if (options.paced) await this.#paced(channel);
    const answer = await this.call('chat.postMessage', {
      channel,
      ...message,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
    });
    return postedMessage.parse(answer);
  }

  async updateMessage(ref: MessageRef, message: SlackMessage): Promise<void> {
    await this.call('chat.update', { channel: ref.channel, ts: ref.ts, ...message });
  }

  // A person's Home tab: the whole view is replaced each time (views.publish).
  async publishHome(user: string, blocks: Record<string, unknown>[]): Promise<void> {
    await this.call('views.publish', { user_id: user, view: { type: 'home', blocks } });
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.call('chat.postEphemeral', { channel, user, ...message });
  }

  async permalink(ref: MessageRef): Promise<string> {
    return permalinkAnswer.parse(await this.call('chat.getPermalink', { channel: ref.channel, message_ts: ref.ts }))
      .permalink;
  }

  // The bot's direct-message channel with one person (files are shared to a channel id, not a user id).
  async openDirectMessage(user: string): Promise<string> {
    return openedChannel.parse(await this.call('conversations.open', { users: user })).channel.id;
  }

  // files.uploadV2's three steps: ask for an upload URL, send the bytes, share the file in a channel.
  async uploadFile(
    channel: string,
    file: { filename: string; title: string; content: string; comment?: string; threadTs?: string },
  ): Promise<string> {
    const bytes = Buffer.from(file.content, 'utf8');
    const target = uploadTarget.parse(
      await this.call('files.getUploadURLExternal', { filename: file.filename, length: bytes.length }),
    );
    const sent = await fetch(target.upload_url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      signal: AbortSignal.timeout(30_000),
    });
    this.#metrics.slackApiCalls.inc({ method: 'file_upload', outcome: sent.ok ? 'ok' : String(sent.status) });
    if (!sent.ok) throw new Error(`the file upload answered ${sent.status}`);
    await this.call('files.completeUploadExternal', {
      files: JSON.stringify([{ id: target.file_id, title: file.title }]),
      channel_id: channel,
      ...(file.comment ? { initial_comment: file.comment } : {}),
      ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
    });
    return target.file_id;
  }

  async usergroups(): Promise<{ id: string; handle: string }[]> {
    const answer = usergroupList.parse(await this.call('usergroups.list', { include_disabled: false }));
    return answer.usergroups.filter((group) => !group.date_delete);
  }

  async usergroupMembers(usergroupId: string): Promise<string[]> {
    return usergroupMembers.parse(await this.call('usergroups.users.list', { usergroup: usergroupId })).users;
  }

  // response_url accepts 5 posts within 30 minutes and is the only way to replace an ephemeral reply.
  async respond(
    responseUrl: string,
    message: SlackMessage & { response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean },
  ): Promise<void> {
    this.#logger.debug({ method: 'response_url' }, 'slack response_url post');
    const answer = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(10_000),
    });
    this.#metrics.slackApiCalls.inc({ method: 'response_url', outcome: answer.ok ? 'ok' : String(answer.status) });
    if (!answer.ok) throw new Error(`response_url answered ${answer.status}`);
  }
}

export function platformErrorCode(error: unknown): string | undefined {
  return error instanceof WebAPIPlatformError ? error.data.error : undefined;
}
