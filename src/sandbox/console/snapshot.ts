import type { SlackSimulator } from '../slack/simulator.ts';
import type { ModalTracker } from './modals.ts';
import type { ConsoleState } from './web/types.ts';

export function consoleState(sim: SlackSimulator, modals: ModalTracker): ConsoleState {
  const workspace = sim.workspace;
  return {
    seq: sim.lastSeq,
    users: [...workspace.users.values()].map((user) => ({
      id: user.id,
      name: user.name,
      realName: user.realName,
      isBot: user.isBot ?? false,
    })),
    groups: [...workspace.groups.values()].map((group) => ({ id: group.id, handle: group.handle })),
    channels: [...workspace.channels.values()].map((channel) => ({
      id: channel.id,
      name: channel.name,
      topic: channel.topic,
      isPrivate: channel.isPrivate,
      isIm: channel.isIm,
      archived: channel.archived,
      members: [...channel.members],
      pins: [...channel.pins],
      bookmarks: channel.bookmarks,
    })),
    messages: workspace.messages
      .filter((message) => !message.deleted)
      .map((message) => ({
        ts: message.ts,
        channel: message.channel,
        ...(message.user ? { user: message.user } : {}),
        bot: message.botId !== undefined,
        text: message.text,
        blocks: message.blocks,
        files: message.files ?? [],
        ...(message.threadTs ? { threadTs: message.threadTs } : {}),
        reactions: [...message.reactions]
          .filter(([, users]) => users.size > 0)
          .map(([name, users]) => ({ name, users: [...users] })),
        edited: message.edited !== undefined,
      })),
    ephemerals: workspace.ephemerals
      .filter((message) => !message.replaced)
      .map(({ ts, channel, user, text, blocks, via }) => ({
        ...{ ts, channel, user, text, blocks },
        ...(via === 'slackbot' ? { author: 'Slackbot' } : {}),
      })),
    modals: modals.visible(),
    homes: Object.fromEntries([...workspace.homes].map(([user, home]) => [user, home.view.blocks])),
    ...(sim.clock ? { clock: { offsetMs: sim.clock.offsetMs } } : {}),
    scenes: sim.scenes?.list() ?? [],
    ...(sim.scenes?.current ? { scene: sim.scenes.current } : {}),
  };
}
