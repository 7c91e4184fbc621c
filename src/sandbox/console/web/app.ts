import { el, renderBlocks, type Confirm, type RenderContext } from './blocks.ts';
import { emoji, mrkdwn, unescapeEntities } from './mrkdwn.ts';
import { renderModal } from './modal.ts';
import { confirmDialog } from './confirm.ts';
import { renderControls, wireControls } from './controls.ts';
import type { ConsoleEphemeral, ConsoleMessage, ConsoleState } from './types.ts';

// The page: a Slack-like client over the simulator's workspace, redrawn from each state the
// server pushes (Server-Sent Events). What the current person does is posted to /api/<action>.
const QUICK_REACTIONS = ['white_check_mark', 'x', 'eyes', '+1'];
const params = new URLSearchParams(location.search);
const view = {
  me: params.get('as') ?? 'alice',
  channel: params.get('channel') ?? 'deploys',
  thread: '',
  modalKey: '',
  // The person's Home tab in ops-bot is shown instead of a channel.
  home: false,
};
let state: ConsoleState | undefined;

const $ = (id: string) => document.getElementById(id)!;

function meId(): string {
  return state?.users.find((user) => user.name === view.me)?.id ?? '';
}

function showError(message: string): void {
  const box = $('error');
  box.replaceChildren(
    el('span', '', message),
    closeButton(() => (box.hidden = true)),
  );
  box.hidden = !message;
}

function closeButton(onClick: () => void): HTMLElement {
  const button = el('button', 'close', '×');
  button.addEventListener('click', onClick);
  return button;
}

async function act(action: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`/api/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ as: view.me, ...body }),
  });
  const answer = (await response.json()) as { ok: boolean; error?: string };
  if (!answer.ok) showError(answer.error ?? `HTTP ${response.status}`);
  else if ($('error').dataset.sticky !== 'yes') $('error').hidden = true;
}

function context(ts: string): RenderContext {
  return {
    names: state!,
    surface: { kind: 'message', ts },
    act: (action, body) => act(action, body),
    confirm: (dialog: Confirm) => confirmDialog(dialog, state!),
  };
}

function currentChannel() {
  if (view.home) return undefined;
  return state?.channels.find((channel) => channel.name === view.channel || channel.id === view.channel);
}

function render(): void {
  if (!state) return;
  renderPeople();
  renderChannels();
  renderHeader();
  renderMessages();
  renderThread();
  renderModalLayer();
  renderControls(state);
}

function renderPeople(): void {
  const select = $('person') as HTMLSelectElement;
  const people = state!.users.filter((user) => !user.isBot);
  if (select.options.length !== people.length)
    select.replaceChildren(
      ...people.map((user) => Object.assign(el('option', '', `${user.name} (${user.realName})`), { value: user.name })),
    );
  select.value = view.me;
}

function renderChannels(): void {
  const me = meId();
  const visible = state!.channels.filter(
    (channel) => !channel.archived && (!channel.isIm || channel.members.includes(me)),
  );
  const home = el('li', view.home ? 'channel current' : 'channel', '🏠 Home');
  home.dataset.channel = 'home';
  home.addEventListener('click', () => openHome());
  $('channels').replaceChildren(
    home,
    ...visible.map((channel) => {
      const item = el('li', channel === currentChannel() ? 'channel current' : 'channel');
      item.append(channel.isIm ? '@ ops-bot' : `${channel.isPrivate ? '🔒' : '#'} ${channel.name}`);
      item.dataset.channel = channel.name;
      item.addEventListener('click', () => {
        Object.assign(view, { channel: channel.id, thread: '', home: false });
        render();
      });
      return item;
    }),
  );
}

// Opening the tab is what Slack tells the app (app_home_opened); the bot then publishes it.
function openHome(): void {
  Object.assign(view, { home: true, thread: '' });
  render();
  void act('home', {});
}

function renderHome(): void {
  $('channel-header').replaceChildren(el('h2', '', '🏠 ops-bot — Home'));
  const blocks = state!.homes[meId()];
  const shown = blocks
    ? renderBlocks(blocks, { ...context(''), surface: { kind: 'home' } })
    : el('p', 'help', 'Opening your Home…');
  $('messages').replaceChildren(shown);
}

function renderHeader(): void {
  if (view.home) return;
  const channel = currentChannel();
  if (!channel) return void $('channel-header').replaceChildren(el('h2', '', `#${view.channel} (no such channel)`));
  const header = [el('h2', '', channel.isIm ? '@ ops-bot' : `#${channel.name}`)];
  if (channel.topic) header.push(el('div', 'topic', mrkdwn(channel.topic, state!)));
  const links = channel.bookmarks.map((bookmark) => {
    const link = el('a', 'bookmark', `🔖 ${bookmark.title}`) as HTMLAnchorElement;
    if (/^https?:/.test(bookmark.link)) link.href = bookmark.link;
    link.target = '_blank';
    return link;
  });
  if (links.length > 0) header.push(el('div', 'bookmarks', ...links));
  const pinned = state!.messages.filter(
    (message) => channel.pins.includes(message.ts) && message.channel === channel.id,
  );
  if (pinned.length > 0)
    header.push(
      el(
        'details',
        'pins',
        el('summary', '', `📌 ${pinned.length} pinned`),
        ...pinned.map((message) => renderMessage(message)),
      ),
    );
  $('channel-header').replaceChildren(...header);
}

type Line = { message?: ConsoleMessage; ephemeral?: ConsoleEphemeral; ts: string };

function renderMessages(): void {
  if (view.home) return renderHome();
  const channel = currentChannel();
  const list = $('messages');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  if (!channel) return void list.replaceChildren();
  const me = meId();
  const lines: Line[] = [
    ...state!.messages
      .filter((message) => message.channel === channel.id && (!message.threadTs || message.threadTs === message.ts))
      .map((message) => ({ message, ts: message.ts })),
    ...state!.ephemerals
      .filter((ephemeral) => ephemeral.channel === channel.id && ephemeral.user === me)
      .map((ephemeral) => ({ ephemeral, ts: ephemeral.ts })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  list.replaceChildren(
    ...lines.map((line) => (line.message ? renderMessage(line.message) : renderEphemeral(line.ephemeral!))),
  );
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function author(userId: string | undefined, bot: boolean): string {
  if (bot) return 'ops-bot';
  return state!.users.find((user) => user.id === userId)?.name ?? userId ?? 'someone';
}

function body(text: string, blocks: unknown[], ts: string): HTMLElement {
  return blocks.length > 0 ? renderBlocks(blocks, context(ts)) : el('div', 'text', mrkdwn(text, state!));
}

function messageShell(ts: string, name: string, bot: boolean): HTMLElement {
  const time = new Date(Number(ts) * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  const shell = el(
    'div',
    'message',
    el('div', 'meta', el('b', bot ? 'author bot' : 'author', name), el('span', 'time', time)),
  );
  shell.dataset.ts = ts;
  return shell;
}

function renderMessage(message: ConsoleMessage, inThread = false): HTMLElement {
  const shell = messageShell(message.ts, author(message.user, message.bot), message.bot);
  shell.append(body(message.text, message.blocks, message.ts));
  if (message.edited) shell.querySelector('.meta')!.append(el('span', 'edited', '(edited)'));
  for (const file of message.files) shell.append(el('div', 'file', `📄 ${file.title || file.name}`));
  shell.append(reactionBar(message));
  const replies = state!.messages.filter((reply) => reply.threadTs === message.ts && reply.ts !== message.ts);
  if (!inThread && replies.length > 0) {
    const link = el('button', 'replies', `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`);
    link.addEventListener('click', () => {
      view.thread = message.ts;
      renderThread();
    });
    shell.append(link);
  }
  return shell;
}

function renderEphemeral(ephemeral: ConsoleEphemeral): HTMLElement {
  const shell = messageShell(ephemeral.ts, ephemeral.author ?? 'ops-bot', true);
  shell.classList.add('ephemeral');
  shell.append(el('div', 'only-you', '👁 Only visible to you'), body(ephemeral.text, ephemeral.blocks, ephemeral.ts));
  return shell;
}

function reactionBar(message: ConsoleMessage): HTMLElement {
  const me = meId();
  const bar = el('div', 'reactions');
  const toggle = (name: string, mine: boolean) =>
    void act('react', { messageTs: message.ts, reaction: name, removed: mine });
  for (const reaction of message.reactions) {
    const mine = reaction.users.includes(me);
    const chip = el('button', mine ? 'reaction mine' : 'reaction', `${emoji(reaction.name)} ${reaction.users.length}`);
    chip.dataset.name = reaction.name;
    chip.title = reaction.users.map((id) => author(id, false)).join(', ');
    chip.addEventListener('click', () => toggle(reaction.name, mine));
    bar.append(chip);
  }
  const present = new Set(message.reactions.map((reaction) => reaction.name));
  for (const name of QUICK_REACTIONS.filter((candidate) => !present.has(candidate))) {
    const add = el('button', 'reaction add', `+${emoji(name)}`);
    add.dataset.name = name;
    add.title = `React :${name}:`;
    add.addEventListener('click', () => toggle(name, false));
    bar.append(add);
  }
  return bar;
}

function renderThread(): void {
  const pane = $('thread');
  const parent = state?.messages.find((message) => message.ts === view.thread);
  pane.hidden = !parent;
  if (!parent) return;
  const replies = state!.messages.filter((reply) => reply.threadTs === parent.ts && reply.ts !== parent.ts);
  $('thread-messages').replaceChildren(
    renderMessage(parent, true),
    ...replies.map((reply) => renderMessage(reply, true)),
  );
}

function renderModalLayer(): void {
  const me = meId();
  const modal = state!.modals.find((candidate) => candidate.user === me);
  // The key names the person too: switching person must clear (or swap) the form even when neither has one.
  const key = `${me}|${modal ? JSON.stringify(modal) : ''}`;
  if (key === view.modalKey) return;
  view.modalKey = key;
  if (!modal) return void $('modal').replaceChildren();
  const names = state!;
  $('modal').replaceChildren(
    renderModal(
      modal,
      { names, act: (action, body) => act(action, body), confirm: (dialog) => confirmDialog(dialog, names) },
      (values) => void act('submit', { viewId: modal.viewId, values }),
      () => void act('close', { viewId: modal.viewId }),
    ),
  );
}

function send(input: HTMLInputElement, threadTs?: string): void {
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  const channel = currentChannel()?.id ?? view.channel;
  if (text.startsWith('/') && !threadTs) void act('command', { channel, line: text });
  else void act('say', { channel, text: unescapeEntities(text), ...(threadTs ? { threadTs } : {}) });
}

function wire(): void {
  ($('person') as HTMLSelectElement).addEventListener('change', (event) => {
    view.me = (event.target as HTMLSelectElement).value;
    if (view.home) openHome();
    else render();
  });
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    send($('composer-input') as HTMLInputElement);
  });
  $('thread-composer').addEventListener('submit', (event) => {
    event.preventDefault();
    send($('thread-input') as HTMLInputElement, view.thread);
  });
  $('thread-close').addEventListener('click', () => {
    view.thread = '';
    renderThread();
  });
  wireControls(showError);
  const events = new EventSource('/events');
  events.addEventListener('state', (event) => {
    state = JSON.parse((event as MessageEvent<string>).data) as ConsoleState;
    document.body.dataset.seq = String(state.seq);
    render();
  });
  events.addEventListener('error', () => showError('Lost the connection to the sandbox; retrying…'));
  events.addEventListener('open', () => ($('error').hidden = true));
}

wire();
