import type { SimMessage } from '../workspace.ts';
import { SlackApiError, channelArg, jsonArg, messageJson, required, text, type Method } from './common.ts';

const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;

function content(args: Record<string, unknown>): { text: string; blocks: unknown[] } {
  const blocks = (jsonArg(args, 'blocks') as unknown[] | undefined) ?? [];
  const body = text(args, 'text') ?? '';
  if (!Array.isArray(blocks)) throw new SlackApiError('invalid_blocks_format');
  if (blocks.length > MAX_BLOCKS) throw new SlackApiError('invalid_blocks', { errors: ['too many blocks'] });
  if (body.length === 0 && blocks.length === 0) throw new SlackApiError('no_text');
  if (body.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
  return { text: body, blocks };
}

export const chatMethods: Record<string, Method> = {
  'chat.postMessage': (args, workspace) => {
    const channel = channelArg(args, workspace);
    if (channel.archived) throw new SlackApiError('is_archived');
    const threadTs = text(args, 'thread_ts');
    if (threadTs && !workspace.message(channel.id, threadTs)) throw new SlackApiError('thread_not_found');
    const message: SimMessage = {
      ts: workspace.nextTs(),
      channel: channel.id,
      botId: workspace.botId,
      ...content(args),
      reactions: new Map(),
      ...(threadTs ? { threadTs } : {}),
    };
    workspace.messages.push(message);
    return { channel: channel.id, ts: message.ts, message: messageJson(message, workspace) };
  },
  'chat.update': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const message = workspace.message(channel.id, required(args, 'ts'));
    if (!message) throw new SlackApiError('message_not_found');
    if (!message.botId) throw new SlackApiError('cant_update_message');
    const next = content(args);
    message.text = next.text;
    message.blocks = next.blocks;
    message.edited = Math.floor(workspace.now() / 1000);
    return { channel: channel.id, ts: message.ts, text: message.text, message: messageJson(message, workspace) };
  },
  'chat.delete': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const message = workspace.message(channel.id, required(args, 'ts'));
    if (!message) throw new SlackApiError('message_not_found');
    message.deleted = true;
    return { channel: channel.id, ts: message.ts };
  },
  'chat.postEphemeral': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const user = required(args, 'user');
    if (!workspace.users.has(user)) throw new SlackApiError('user_not_found');
    if (!channel.members.has(user)) throw new SlackApiError('user_not_in_channel');
    const ts = workspace.nextTs();
    workspace.ephemerals.push({ ts, channel: channel.id, user, ...content(args), via: 'chat.postEphemeral' });
    return { message_ts: ts };
  },
  'chat.getPermalink': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const ts = required(args, 'message_ts');
    if (!workspace.message(channel.id, ts)) throw new SlackApiError('message_not_found');
    return {
      channel: channel.id,
      permalink: `https://${workspace.teamDomain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}`,
    };
  },
};
