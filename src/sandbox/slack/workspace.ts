// The simulated workspace: what Slack would hold. Methods change it; tests and the CLI read it.
export type SimUser = { id: string; name: string; realName: string; tz: string; isBot?: boolean };
export type SimGroup = { id: string; handle: string; name: string; users: string[] };
export type SimMessage = {
  ts: string;
  channel: string;
  user?: string;
  botId?: string;
  text: string;
  blocks: unknown[];
  files?: { id: string; name: string; title: string }[];
  threadTs?: string;
  reactions: Map<string, Set<string>>;
  edited?: number;
  deleted?: boolean;
};
export type SimEphemeral = {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  // 'slackbot': Slack's own answer (an unregistered command), not the bot's.
  via: 'response_url' | 'chat.postEphemeral' | 'ack' | 'slackbot';
  replaced?: boolean;
};
export type SimChannel = {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  topic: string;
  purpose: string;
  members: Set<string>;
  archived: boolean;
  pins: Set<string>;
  bookmarks: { id: string; title: string; link: string }[];
  created: number;
  creator?: string;
};
export type SimFile = {
  id: string;
  filename: string;
  title: string;
  length: number;
  content?: string;
  channels: string[];
};

export type WorkspaceSeed = {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  users: SimUser[];
  groups: SimGroup[];
  channels: { id: string; name: string; isPrivate?: boolean; members?: string[] }[];
};

export class Workspace {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly users = new Map<string, SimUser>();
  readonly groups = new Map<string, SimGroup>();
  readonly channels = new Map<string, SimChannel>();
  readonly messages: SimMessage[] = [];
  readonly ephemerals: SimEphemeral[] = [];
  readonly views: { id: string; user?: string; view: unknown }[] = [];
  // Each person's Home tab as last published (views.publish replaces it whole).
  readonly homes = new Map<string, { id: string; view: { type: 'home'; blocks: unknown[] } }>();
  readonly files = new Map<string, SimFile>();
  // Where the simulator listens (upload URLs point there); set when it starts.
  baseUrl = '';
  #clock: () => number;
  #tsCounter = 0;
  #idCounter = 0;

  constructor(seed: WorkspaceSeed, clock: () => number = Date.now) {
    this.teamId = seed.teamId;
    this.teamDomain = seed.teamDomain;
    this.botUserId = seed.botUserId;
    this.botId = seed.botId;
    this.appId = seed.appId;
    this.#clock = clock;
    for (const user of seed.users) this.users.set(user.id, user);
    this.users.set(seed.botUserId, {
      id: seed.botUserId,
      name: 'ops-bot',
      realName: 'ops-bot',
      tz: 'UTC',
      isBot: true,
    });
    for (const group of seed.groups) this.groups.set(group.id, group);
    for (const channel of seed.channels)
      this.addChannel(channel.name, {
        id: channel.id,
        isPrivate: channel.isPrivate ?? false,
        members: channel.members ?? [...this.users.keys()],
      });
  }

  // Message timestamps are unique and increasing, as Slack's are within a channel.
  nextTs(): string {
    this.#tsCounter += 1;
    return `${Math.floor(this.#clock() / 1000)}.${String(this.#tsCounter).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    this.#idCounter += 1;
    return `${prefix}SIM${String(this.#idCounter).padStart(7, '0')}`;
  }

  now(): number {
    return this.#clock();
  }

  addChannel(
    name: string,
    options: { id?: string; isPrivate?: boolean; isIm?: boolean; members?: string[] } = {},
  ): SimChannel {
    const channel: SimChannel = {
      id: options.id ?? this.nextId(options.isIm ? 'D' : options.isPrivate ? 'G' : 'C'),
      name,
      isPrivate: options.isPrivate ?? false,
      isIm: options.isIm ?? false,
      topic: '',
      purpose: '',
      members: new Set(options.members ?? []),
      archived: false,
      pins: new Set(),
      bookmarks: [],
      created: Math.floor(this.#clock() / 1000),
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  // chat.postMessage takes an id, a name, "#name", or a user id (a DM).
  resolveChannel(ref: string): SimChannel | undefined {
    const direct = this.channels.get(ref);
    if (direct) return direct;
    const name = ref.replace(/^#/, '');
    const named = [...this.channels.values()].find((channel) => channel.name === name && !channel.isIm);
    if (named) return named;
    if (this.users.has(ref)) {
      const existing = [...this.channels.values()].find((channel) => channel.isIm && channel.members.has(ref));
      return existing ?? this.addChannel(`dm-${ref}`, { isIm: true, members: [ref, this.botUserId] });
    }
    return undefined;
  }

  userByName(name: string): SimUser | undefined {
    const wanted = name.replace(/^@/, '').toLowerCase();
    return [...this.users.values()].find((user) => user.name.toLowerCase() === wanted || user.id === name);
  }

  message(channel: string, ts: string): SimMessage | undefined {
    return this.messages.find((message) => message.channel === channel && message.ts === ts && !message.deleted);
  }

  messageByTs(ts: string): SimMessage | undefined {
    return this.messages.find((message) => message.ts === ts && !message.deleted);
  }

  ephemeralByTs(ts: string): SimEphemeral | undefined {
    return this.ephemerals.find((message) => message.ts === ts);
  }

  channelMessages(channel: string): SimMessage[] {
    return this.messages.filter((message) => message.channel === channel && !message.deleted);
  }
}
