// What the console server pushes to the page on every change: the simulated workspace as a Slack
// client would see it, for every person (the page shows each person only what is theirs).
export type ConsoleUser = { id: string; name: string; realName: string; isBot: boolean };
export type ConsoleChannel = {
  id: string;
  name: string;
  topic: string;
  isPrivate: boolean;
  isIm: boolean;
  archived: boolean;
  members: string[];
  pins: string[];
  bookmarks: { id: string; title: string; link: string }[];
};
export type ConsoleMessage = {
  ts: string;
  channel: string;
  user?: string;
  bot: boolean;
  text: string;
  blocks: unknown[];
  files: { id: string; name: string; title: string }[];
  threadTs?: string;
  reactions: { name: string; users: string[] }[];
  edited: boolean;
};
export type ConsoleEphemeral = {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  // Who posted it when not the bot ("Slackbot", answering an unregistered command).
  author?: string;
};
export type ConsoleModal = {
  viewId: string;
  user: string;
  view: Record<string, unknown>;
  errors?: Record<string, string>;
};
export type ConsoleState = {
  seq: number;
  users: ConsoleUser[];
  groups: { id: string; handle: string }[];
  channels: ConsoleChannel[];
  messages: ConsoleMessage[];
  ephemerals: ConsoleEphemeral[];
  modals: ConsoleModal[];
  // Each person's Home tab as last published, by user id.
  homes: Record<string, unknown[]>;
  // The sandbox's clock as an offset from real time (the page ticks it), undefined without one.
  clock?: { offsetMs: number };
  // The scenes the sandbox plays, and the one playing (or played last) with its narration.
  scenes: { name: string; title: string; steps: number }[];
  scene?: {
    name: string;
    title: string;
    state: 'playing' | 'finished' | 'stopped';
    lines: { step: number; of: number; say: string }[];
    error?: string;
  };
};
