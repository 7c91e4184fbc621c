import type { SimChannel, SimMessage, Workspace } from '../workspace.ts';

export type MethodArgs = Record<string, unknown>;
export type MethodResult = Record<string, unknown>;
export type Method = (args: MethodArgs, workspace: Workspace) => MethodResult;

// An `ok: false` answer with Slack's error code (and any extra fields Slack sends with it).
export class SlackApiError extends Error {
  readonly code: string;
  readonly extra: MethodResult;

  constructor(code: string, extra: MethodResult = {}) {
    super(code);
    this.code = code;
    this.extra = extra;
  }
}

export function text(args: MethodArgs, key: string): string | undefined {
  const value = args[key];
  return value === undefined || value === null ? undefined : String(value);
}

export function required(args: MethodArgs, key: string): string {
  const value = text(args, key);
  if (value === undefined || value === '')
    throw new SlackApiError('invalid_arguments', {
      response_metadata: { messages: [`[ERROR] missing required field: ${key}`] },
    });
  return value;
}

// Web API clients send blocks JSON-encoded in form bodies, or as arrays in JSON bodies.
export function jsonArg(args: MethodArgs, key: string): unknown {
  const value = args[key];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackApiError('invalid_arguments', {
      response_metadata: { messages: [`[ERROR] ${key} is not valid JSON`] },
    });
  }
}

export function channelArg(args: MethodArgs, workspace: Workspace, key = 'channel'): SimChannel {
  const channel = workspace.resolveChannel(required(args, key));
  if (!channel) throw new SlackApiError('channel_not_found');
  return channel;
}

export function messageJson(message: SimMessage, workspace: Workspace): MethodResult {
  return {
    type: 'message',
    ts: message.ts,
    text: message.text,
    ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
    ...(message.botId
      ? { bot_id: message.botId, user: workspace.botUserId, app_id: workspace.appId }
      : { user: message.user }),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    ...(message.files ? { files: message.files } : {}),
    ...(message.edited ? { edited: { user: workspace.botUserId, ts: String(message.edited) } } : {}),
    team: workspace.teamId,
  };
}

export function channelJson(channel: SimChannel): MethodResult {
  return {
    id: channel.id,
    name: channel.name,
    is_channel: !channel.isPrivate && !channel.isIm,
    is_group: channel.isPrivate,
    is_im: channel.isIm,
    is_private: channel.isPrivate,
    is_archived: channel.archived,
    created: channel.created,
    creator: channel.creator ?? '',
    num_members: channel.members.size,
    topic: { value: channel.topic, creator: '', last_set: 0 },
    purpose: { value: channel.purpose, creator: '', last_set: 0 },
  };
}
