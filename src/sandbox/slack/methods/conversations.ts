import { SlackApiError, channelArg, channelJson, messageJson, required, text, type Method } from './common.ts';

// Slack's channel name rules: lowercase letters, digits, hyphens, underscores; at most 80.
const NAME = /^[a-z0-9_-]+$/;

function userList(value: string): string[] {
  return value
    .split(',')
    .map((user) => user.trim())
    .filter(Boolean);
}

export const conversationMethods: Record<string, Method> = {
  'conversations.create': (args, workspace) => {
    const name = required(args, 'name');
    if (name.length > 80) throw new SlackApiError('invalid_name_maxlength');
    if (!NAME.test(name)) throw new SlackApiError('invalid_name_specials');
    if ([...workspace.channels.values()].some((channel) => channel.name === name))
      throw new SlackApiError('name_taken');
    const channel = workspace.addChannel(name, {
      isPrivate: text(args, 'is_private') === 'true',
      members: [workspace.botUserId],
    });
    channel.creator = workspace.botUserId;
    return { channel: channelJson(channel) };
  },
  'conversations.invite': (args, workspace) => {
    const channel = channelArg(args, workspace);
    if (channel.archived) throw new SlackApiError('is_archived');
    const users = userList(required(args, 'users'));
    if (users.length > 1000) throw new SlackApiError('too_many_users');
    if (!channel.members.has(workspace.botUserId)) throw new SlackApiError('not_in_channel');
    const errors: { user: string; ok: false; error: string }[] = [];
    const valid: string[] = [];
    for (const user of users) {
      if (!workspace.users.has(user)) errors.push({ user, ok: false, error: 'user_not_found' });
      else if (user === workspace.botUserId) errors.push({ user, ok: false, error: 'cant_invite_self' });
      else if (channel.members.has(user)) errors.push({ user, ok: false, error: 'already_in_channel' });
      else valid.push(user);
    }
    // Slack: one failing invitee fails the whole call, unless force=true invites the valid ones.
    if (errors.length === 0 || text(args, 'force') === 'true') for (const user of valid) channel.members.add(user);
    if (errors.length > 0) throw new SlackApiError(errors[0]!.error, { errors });
    return { channel: channelJson(channel) };
  },
  'conversations.join': (args, workspace) => {
    const channel = channelArg(args, workspace);
    channel.members.add(workspace.botUserId);
    return { channel: channelJson(channel) };
  },
  // One user: the bot's direct-message channel with them, made on first use (as Slack does).
  'conversations.open': (args, workspace) => {
    const users = userList(required(args, 'users'));
    if (users.length !== 1) throw new SlackApiError('not_implemented');
    if (!workspace.users.has(users[0]!)) throw new SlackApiError('user_not_found');
    return { channel: { id: workspace.resolveChannel(users[0]!)!.id } };
  },
  'conversations.info': (args, workspace) => ({ channel: channelJson(channelArg(args, workspace)) }),
  'conversations.members': (args, workspace) => ({ members: [...channelArg(args, workspace).members] }),
  'conversations.setTopic': (args, workspace) => {
    const channel = channelArg(args, workspace);
    if (channel.archived) throw new SlackApiError('is_archived');
    const topic = text(args, 'topic') ?? '';
    if (topic.length > 250) throw new SlackApiError('too_long');
    channel.topic = topic;
    return { channel: channelJson(channel) };
  },
  'conversations.setPurpose': (args, workspace) => {
    const channel = channelArg(args, workspace);
    if (channel.archived) throw new SlackApiError('is_archived');
    channel.purpose = text(args, 'purpose') ?? '';
    return { channel: channelJson(channel) };
  },
  'conversations.archive': (args, workspace) => {
    const channel = channelArg(args, workspace);
    if (channel.archived) throw new SlackApiError('already_archived');
    channel.archived = true;
    return {};
  },
  'conversations.unarchive': (args, workspace) => {
    const channel = channelArg(args, workspace);
    if (!channel.archived) throw new SlackApiError('not_archived');
    channel.archived = false;
    return {};
  },
  // A thread: its parent and replies, oldest first; `ts` may name the parent or any reply.
  'conversations.replies': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const message = workspace.message(channel.id, required(args, 'ts'));
    if (!message) throw new SlackApiError('thread_not_found');
    const parent = message.threadTs ?? message.ts;
    const thread = workspace
      .channelMessages(channel.id)
      .filter((candidate) => candidate.ts === parent || candidate.threadTs === parent);
    return { messages: thread.map((candidate) => messageJson(candidate, workspace)), has_more: false };
  },
  'conversations.history': (args, workspace) => {
    const channel = channelArg(args, workspace);
    // Newest first, between oldest and latest (exclusive unless inclusive=true), at most limit.
    const oldest = Number(text(args, 'oldest') ?? '0');
    const latest = Number(text(args, 'latest') ?? 'Infinity');
    const inclusive = text(args, 'inclusive') === 'true' || text(args, 'inclusive') === '1';
    const limit = Math.min(999, Number(text(args, 'limit') ?? '100') || 100);
    const within = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
    const messages = workspace
      .channelMessages(channel.id)
      .filter((message) => !message.threadTs && within(Number(message.ts)))
      .reverse();
    return {
      messages: messages.slice(0, limit).map((message) => messageJson(message, workspace)),
      has_more: messages.length > limit,
    };
  },
};
