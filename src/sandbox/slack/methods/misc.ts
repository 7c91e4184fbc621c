import { SlackApiError, channelArg, jsonArg, required, text, type Method } from './common.ts';

export const miscMethods: Record<string, Method> = {
  'auth.test': (_args, workspace) => ({
    url: `https://${workspace.teamDomain}.slack.com/`,
    team: workspace.teamDomain,
    user: 'ops-bot',
    team_id: workspace.teamId,
    user_id: workspace.botUserId,
    bot_id: workspace.botId,
    is_enterprise_install: false,
  }),
  'users.info': (args, workspace) => {
    const user = workspace.users.get(required(args, 'user'));
    if (!user) throw new SlackApiError('user_not_found');
    return {
      user: {
        id: user.id,
        team_id: workspace.teamId,
        name: user.name,
        real_name: user.realName,
        tz: user.tz,
        is_bot: user.isBot ?? false,
        profile: { real_name: user.realName, display_name: user.name },
      },
    };
  },
  'usergroups.list': (args, workspace) => ({
    usergroups: [...workspace.groups.values()].map((group) => ({
      id: group.id,
      team_id: workspace.teamId,
      handle: group.handle,
      name: group.name,
      is_usergroup: true,
      date_delete: 0,
      user_count: group.users.length,
      ...(text(args, 'include_users') === 'true' ? { users: group.users } : {}),
    })),
  }),
  'usergroups.users.list': (args, workspace) => {
    const group = workspace.groups.get(required(args, 'usergroup'));
    if (!group) throw new SlackApiError('no_such_subteam');
    return { users: [...group.users] };
  },
  'reactions.add': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const message = workspace.message(channel.id, required(args, 'timestamp'));
    if (!message) throw new SlackApiError('message_not_found');
    const name = required(args, 'name');
    const users = message.reactions.get(name) ?? new Set<string>();
    if (users.has(workspace.botUserId)) throw new SlackApiError('already_reacted');
    users.add(workspace.botUserId);
    message.reactions.set(name, users);
    return {};
  },
  'pins.add': (args, workspace) => {
    const channel = channelArg(args, workspace);
    const ts = required(args, 'timestamp');
    if (!workspace.message(channel.id, ts)) throw new SlackApiError('message_not_found');
    if (channel.pins.has(ts)) throw new SlackApiError('already_pinned');
    channel.pins.add(ts);
    return {};
  },
  'pins.list': (args, workspace) => ({
    items: [...channelArg(args, workspace).pins].map((ts) => ({
      type: 'message',
      channel: args.channel,
      message: { ts },
    })),
  }),
  'bookmarks.add': (args, workspace) => {
    const channel = channelArg(args, workspace, 'channel_id');
    const bookmark = { id: workspace.nextId('Bk'), title: required(args, 'title'), link: required(args, 'link') };
    channel.bookmarks.push(bookmark);
    return { bookmark: { ...bookmark, channel_id: channel.id, type: 'link' } };
  },
  'bookmarks.list': (args, workspace) => ({ bookmarks: channelArg(args, workspace, 'channel_id').bookmarks }),
  // files.uploadV2 is three calls: get an upload URL, POST the bytes there, complete (and share).
  'files.getUploadURLExternal': (args, workspace) => {
    const filename = required(args, 'filename');
    const length = Number(required(args, 'length'));
    if (!Number.isInteger(length) || length <= 0) throw new SlackApiError('invalid_arguments');
    const id = workspace.nextId('F');
    workspace.files.set(id, { id, filename, title: filename, length, channels: [] });
    return { upload_url: `${workspace.baseUrl}/_sim/upload/${id}`, file_id: id };
  },
  'files.completeUploadExternal': (args, workspace) => {
    const files = jsonArg(args, 'files') as { id?: string; title?: string }[] | undefined;
    if (!Array.isArray(files) || files.length === 0) throw new SlackApiError('invalid_arguments');
    const found = files.map((entry) => ({ entry, file: workspace.files.get(String(entry.id)) }));
    if (found.some(({ file }) => !file || file.content === undefined)) throw new SlackApiError('file_not_found');
    const channelId = text(args, 'channel_id');
    const shared = found.map(({ entry, file }) => ({ ...file!, title: entry.title ?? file!.title }));
    if (channelId) {
      const channel = channelArg(args, workspace, 'channel_id');
      if (channel.archived) throw new SlackApiError('is_archived');
      const threadTs = text(args, 'thread_ts');
      for (const file of shared) file.channels.push(channel.id);
      workspace.messages.push({
        ts: workspace.nextTs(),
        channel: channel.id,
        botId: workspace.botId,
        text: text(args, 'initial_comment') ?? '',
        blocks: [],
        reactions: new Map(),
        files: shared.map((file) => ({ id: file.id, name: file.filename, title: file.title })),
        ...(threadTs ? { threadTs } : {}),
      });
    }
    for (const file of shared) workspace.files.set(file.id, file);
    return { files: shared.map((file) => ({ id: file.id, title: file.title })) };
  },
  'views.open': (args, workspace) => {
    required(args, 'trigger_id');
    const view = jsonArg(args, 'view');
    if (typeof view !== 'object' || view === null) throw new SlackApiError('invalid_arguments');
    const id = workspace.nextId('V');
    workspace.views.push({ id, view });
    return { view: { id, ...(view as object) } };
  },
  // Slack checks the user exists and the view is a home view; the tab shows the latest publish.
  'views.publish': (args, workspace) => {
    const userId = required(args, 'user_id');
    if (!workspace.users.has(userId)) throw new SlackApiError('user_not_found');
    const view = jsonArg(args, 'view') as { type?: unknown; blocks?: unknown } | undefined;
    if (typeof view !== 'object' || view === null || view.type !== 'home' || !Array.isArray(view.blocks))
      throw new SlackApiError('invalid_arguments');
    if (view.blocks.length > 100) throw new SlackApiError('invalid_arguments');
    const id = workspace.homes.get(userId)?.id ?? workspace.nextId('V');
    workspace.homes.set(userId, { id, view: { type: 'home', blocks: view.blocks } });
    return { view: { id, type: 'home', blocks: view.blocks } };
  },
  'views.update': (args, workspace) => {
    const id = required(args, 'view_id');
    const existing = workspace.views.find((entry) => entry.id === id);
    if (!existing) throw new SlackApiError('not_found');
    existing.view = jsonArg(args, 'view');
    return { view: { id, ...(existing.view as object) } };
  },
};
