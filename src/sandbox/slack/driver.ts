import { randomBytes } from 'node:crypto';
import type { SimulatorSurface } from './surface.ts';
import { unknownCommandReply } from './registered-commands.ts';
import { signSlackRequest } from './signing.ts';
import type { EnvelopeType } from './socket-mode.ts';
import type { SimMessage, SimUser, Workspace } from './workspace.ts';

// `signal` lets the sending side give up as Slack does (it waits 3 s for an answer, then stops listening).
export type DeliveryOptions = {
  retryNum?: number;
  timestamp?: number;
  signature?: string;
  triggerId?: string;
  signal?: AbortSignal;
};
export type BotAnswer = { status: number; body: string; json: Record<string, unknown> | undefined };
// How deliveries reach the bot: signed HTTP to /slack/events, or envelopes over Socket Mode.
export type Transport = { kind: 'http'; botUrl: string; secret: string } | { kind: 'socket' };
// ackTs: the ephemeral the bot's acknowledgement became (its buttons can be pressed by that ts).
export type CommandResult = BotAnswer & { triggerId: string; responseUrl: string; ackTs?: string };

type ClickTarget = {
  messageTs: string;
  actionId: string;
  value?: string;
  staleBlocks?: unknown[];
  selectedOptions?: { value: string }[];
  // What a static_select, overflow or radio_buttons element reports as chosen.
  selectedOption?: { value: string };
};
type Block = {
  type?: string;
  block_id?: string;
  elements?: Record<string, unknown>[];
  accessory?: Record<string, unknown>;
};
type Button = { type?: string; text?: unknown; value?: string; style?: string; options?: { value?: string }[] };
const CHOOSERS = new Set(['static_select', 'overflow', 'radio_buttons']);
export type ResponseTarget = { channel: string; user: string; messageTs?: string; ephemeral: boolean };

// Plays Slack's side towards the bot: real-shaped payloads (slash commands, block_actions,
// view_submission, event_callback), signed with the app's signing secret, sent over HTTP.
export class SlackDriver {
  readonly #sim: SimulatorSurface;
  readonly #transport: Transport;
  // Shared by every driver of one simulator: a reply may reach a response_url handed out by another
  // bot replica's driver, as Slack's response_urls do not care which replica answers.
  readonly responseTargets: Map<string, ResponseTarget>;
  #eventCounter = 0;

  constructor(sim: SimulatorSurface, transport: Transport, responseTargets = new Map<string, ResponseTarget>()) {
    this.#sim = sim;
    this.#transport = transport;
    this.responseTargets = responseTargets;
  }

  user(who: string): SimUser {
    const user = this.#sim.workspace.userByName(who);
    if (!user) throw new Error(`no such user in the simulated workspace: ${who}`);
    return user;
  }

  channelId(ref: string | undefined): string {
    const channel = this.#sim.workspace.resolveChannel(ref ?? 'deploys');
    if (!channel) throw new Error(`no such channel in the simulated workspace: ${ref}`);
    return channel.id;
  }

  newResponseUrl(target: ResponseTarget): string {
    const id = randomBytes(9).toString('hex');
    this.responseTargets.set(id, target);
    return `${this.#sim.url}/_sim/respond/${id}`;
  }

  // `line` is what the person typed: "/ops status deploy-1234".
  async command(
    who: string,
    line: string,
    options: DeliveryOptions & { channel?: string } = {},
  ): Promise<CommandResult> {
    const user = this.user(who);
    const [command = '', ...rest] = line.trim().split(/ (.*)/s);
    const channelId = this.channelId(options.channel);
    const unknown = unknownCommandReply(command);
    if (unknown) return this.#slackAnswers(unknown, channelId, user.id);
    const channel = this.#sim.workspace.channels.get(channelId)!;
    const triggerId = options.triggerId ?? newTriggerId();
    const responseUrl = this.newResponseUrl({ channel: channelId, user: user.id, ephemeral: true });
    const form = new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: this.#sim.workspace.teamId,
      team_domain: this.#sim.workspace.teamDomain,
      channel_id: channelId,
      channel_name: channel.name,
      user_id: user.id,
      user_name: user.name,
      command,
      text: rest.join(''),
      api_app_id: this.#sim.workspace.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    const answer = await this.#deliver(
      'slash_commands',
      Object.fromEntries(form),
      () => ['form', form.toString()],
      options,
    );
    const ackTs = this.#recordAck(answer, channelId, user.id);
    return { ...answer, triggerId, responseUrl, ...(ackTs ? { ackTs } : {}) };
  }

  // Presses a button on a message (or on an ephemeral message) the bot posted. `staleBlocks` presses
  // it on an older rendering, as a client that has not refreshed yet still shows it.
  async click(who: string, target: ClickTarget, options: DeliveryOptions = {}): Promise<BotAnswer> {
    const user = this.user(who);
    const workspace = this.#sim.workspace;
    const { message, ephemeral, channelId, blocks } = this.#pressed(target);
    const found = findButton(target.staleBlocks ?? blocks, target.actionId);
    if (!found) throw new Error(`no button ${target.actionId} on message ${target.messageTs}`);
    const channel = workspace.channels.get(channelId)!;
    const isEphemeral = ephemeral !== undefined;
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: workspace.teamId },
      api_app_id: workspace.appId,
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: target.messageTs, channel_id: channelId, is_ephemeral: isEphemeral },
      trigger_id: options.triggerId ?? newTriggerId(),
      team: { id: workspace.teamId, domain: workspace.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channelId, name: channel.name },
      ...(message ? { message: messageAsSeen(message, workspace) } : {}),
      state: { values: {} },
      response_url: this.newResponseUrl({
        channel: channelId,
        user: user.id,
        messageTs: target.messageTs,
        ephemeral: isEphemeral,
      }),
      actions: [pressedAction(found, target)],
    };
    return this.#deliver('interactive', payload, () => ['form', formPayload(payload)], options);
  }

  // The message (or ephemeral message) a click lands on, and the blocks it shows.
  #pressed(target: ClickTarget) {
    const workspace = this.#sim.workspace;
    const message = workspace.messageByTs(target.messageTs);
    const ephemeral = message ? undefined : workspace.ephemeralByTs(target.messageTs);
    if (!message && !ephemeral) throw new Error(`no message with ts ${target.messageTs}`);
    const channelId = message?.channel ?? ephemeral!.channel;
    const blocks = (message?.blocks ?? ephemeral!.blocks) as Block[];
    return { message, ephemeral, channelId, blocks };
  }

  // A person writes in a channel (no event is delivered: ops-bot does not subscribe to messages).
  say(who: string, channel: string, text: string, threadTs?: string): string {
    const user = this.user(who);
    const workspace = this.#sim.workspace;
    const target = workspace.resolveChannel(channel);
    if (!target) throw new Error(`no such channel in the simulated workspace: ${channel}`);
    const ts = workspace.nextTs();
    workspace.messages.push({
      ts,
      channel: target.id,
      user: user.id,
      text,
      blocks: [],
      reactions: new Map(),
      ...(threadTs ? { threadTs } : {}),
    });
    target.members.add(user.id);
    return ts;
  }

  // A person adds (or removes) an emoji reaction on a message: the Events API's reaction_added.
  async react(
    who: string,
    target: { messageTs: string; reaction: string; removed?: boolean },
    options: DeliveryOptions & { eventId?: string } = {},
  ): Promise<BotAnswer> {
    const user = this.user(who);
    const workspace = this.#sim.workspace;
    const message = workspace.messageByTs(target.messageTs);
    if (!message) throw new Error(`no message with ts ${target.messageTs}`);
    const users = message.reactions.get(target.reaction) ?? new Set<string>();
    if (target.removed) users.delete(user.id);
    else users.add(user.id);
    message.reactions.set(target.reaction, users);
    return this.#deliverEvent(
      {
        type: target.removed ? 'reaction_removed' : 'reaction_added',
        user: user.id,
        reaction: target.reaction,
        item_user: message.botId ? workspace.botUserId : message.user,
        item: { type: 'message', channel: message.channel, ts: message.ts },
      },
      options,
    );
  }

  // An Events API event_callback around one event, as Slack wraps every event it sends.
  #deliverEvent(event: Record<string, unknown>, options: DeliveryOptions & { eventId?: string }): Promise<BotAnswer> {
    const workspace = this.#sim.workspace;
    this.#eventCounter += 1;
    const envelope = {
      token: 'legacy-verification-token',
      team_id: workspace.teamId,
      api_app_id: workspace.appId,
      type: 'event_callback',
      event: { ...event, event_ts: `${(Date.now() / 1000).toFixed(6)}` },
      event_id: options.eventId ?? `Ev${Date.now().toString(36).toUpperCase()}${this.#eventCounter}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: workspace.teamId,
          user_id: workspace.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(8).toString('hex')}`,
    };
    return this.#deliver('events_api', envelope, () => ['json', JSON.stringify(envelope)], options);
  }

  // A person opens the app's Home tab: the Events API's app_home_opened (sent on every opening).
  async openHome(who: string, options: DeliveryOptions = {}): Promise<BotAnswer> {
    const user = this.user(who);
    const workspace = this.#sim.workspace;
    const home = workspace.homes.get(user.id);
    return this.#deliverEvent(
      {
        type: 'app_home_opened',
        user: user.id,
        channel: `D${user.id.slice(1)}`,
        tab: 'home',
        ...(home ? { view: { id: home.id, type: 'home', blocks: home.view.blocks } } : {}),
      },
      options,
    );
  }

  // Presses a button on the person's Home tab as last published: a block_actions from a view, which
  // carries no channel and no response_url (Slack sends neither for Home).
  async clickHome(who: string, target: { actionId: string; value?: string }, options: DeliveryOptions = {}) {
    const user = this.user(who);
    const workspace = this.#sim.workspace;
    const home = workspace.homes.get(user.id);
    if (!home) throw new Error(`${who} has no Home tab published`);
    const found = findButton(home.view.blocks as Block[], target.actionId, target.value);
    if (!found) throw new Error(`no button ${target.actionId} (${target.value ?? 'any'}) on ${who}'s Home`);
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: workspace.teamId },
      api_app_id: workspace.appId,
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: home.id },
      trigger_id: options.triggerId ?? newTriggerId(),
      team: { id: workspace.teamId, domain: workspace.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      view: { id: home.id, type: 'home', blocks: home.view.blocks, team_id: workspace.teamId },
      actions: [pressedAction(found, { messageTs: '', actionId: target.actionId })],
    };
    return this.#deliver('interactive', payload, () => ['form', formPayload(payload)], options);
  }

  async submitView(
    who: string,
    view: { callbackId: string; privateMetadata?: string; values: Record<string, Record<string, unknown>> },
    options: DeliveryOptions = {},
  ): Promise<BotAnswer> {
    const user = this.user(who);
    const workspace = this.#sim.workspace;
    const payload = {
      type: 'view_submission',
      team: { id: workspace.teamId, domain: workspace.teamDomain },
      user: { id: user.id, username: user.name, name: user.name, team_id: workspace.teamId },
      api_app_id: workspace.appId,
      token: 'legacy-verification-token',
      trigger_id: newTriggerId(),
      view: {
        id: workspace.nextId('V'),
        team_id: workspace.teamId,
        type: 'modal',
        callback_id: view.callbackId,
        private_metadata: view.privateMetadata ?? '',
        state: { values: view.values },
        hash: randomBytes(6).toString('hex'),
        app_id: workspace.appId,
        bot_id: workspace.botId,
        blocks: [],
      },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.#deliver('interactive', payload, () => ['form', formPayload(payload)], options);
  }

  async #deliver(
    type: EnvelopeType,
    payload: unknown,
    encode: () => ['form' | 'json', string],
    options: DeliveryOptions,
  ): Promise<BotAnswer> {
    if (this.#transport.kind === 'socket') {
      const ack = await this.#sim.socketMode.deliver(
        type,
        payload,
        options.retryNum ? { retryAttempt: options.retryNum } : {},
      );
      const json = ack.payload && Object.keys(ack.payload).length > 0 ? ack.payload : undefined;
      return { status: 200, body: json ? JSON.stringify(json) : '', json };
    }
    const [kind, body] = encode();
    return this.send(kind, body, options);
  }

  // The raw HTTP delivery: signs (unless told otherwise) and posts to the bot's /slack/events.
  async send(kind: 'form' | 'json', body: string, options: DeliveryOptions = {}): Promise<BotAnswer> {
    if (this.#transport.kind !== 'http') throw new Error('raw HTTP deliveries need the HTTP transport');
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      ...signSlackRequest(this.#transport.secret, body, timestamp),
      ...(options.signature ? { 'x-slack-signature': options.signature } : {}),
      ...(options.retryNum
        ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' }
        : {}),
    };
    const response = await fetch(`${this.#transport.botUrl}/slack/events`, {
      method: 'POST',
      headers,
      body,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, body: text, json };
  }

  // Slack's own answer to a command no app registered: shown to the person at once, the bot never asked.
  #slackAnswers(text: string, channel: string, user: string): CommandResult {
    const ts = this.#sim.workspace.nextTs();
    this.#sim.workspace.ephemerals.push({ ts, channel, user, text, blocks: [], via: 'slackbot' });
    return { status: 200, body: '', json: { text }, triggerId: '', responseUrl: '', ackTs: ts };
  }

  #recordAck(answer: BotAnswer, channel: string, user: string): string | undefined {
    const text =
      typeof answer.json?.text === 'string' ? answer.json.text : answer.body && !answer.json ? answer.body : undefined;
    if (!text) return undefined;
    const workspace = this.#sim.workspace;
    const ts = workspace.nextTs();
    workspace.ephemerals.push({
      ts,
      channel,
      user,
      text,
      blocks: (answer.json?.blocks as unknown[] | undefined) ?? [],
      via: 'ack',
    });
    return ts;
  }
}

type FoundButton = { blockId: string; button: Button };

// `value`: the button with that value, where several share an action id (a Home lists many requests).
function findButton(blocks: unknown[], actionId: string, value?: string): FoundButton | undefined {
  for (const block of blocks as Block[]) {
    const candidates = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])];
    const button = candidates.find(
      (element) => element.action_id === actionId && (value === undefined || element.value === value),
    ) as Button | undefined;
    if (button) return { blockId: block.block_id ?? 'actions', button };
  }
  return undefined;
}

type Option = { text?: unknown; value?: string };
type Chooser = Button & { options?: Option[]; option_groups?: { options?: Option[] }[]; initial_options?: Option[] };

// The action Slack reports for a pressed button, a ticked checkbox, or an option picked from a menu.
// `value` names the option: for checkboxes it toggles those values (comma-separated) against what is
// ticked, as a click in Slack does; for a menu it is the option chosen.
function pressedAction({ blockId, button }: FoundButton, target: ClickTarget) {
  const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
  const chooser = button as Chooser;
  const base = { action_id: target.actionId, block_id: blockId, type: button.type ?? 'button', action_ts: actionTs };
  if (button.type === 'checkboxes')
    return { ...base, selected_options: target.selectedOptions ?? toggled(chooser, target.value) };
  if (CHOOSERS.has(button.type ?? ''))
    return { ...base, selected_option: chosen(chooser, target.selectedOption?.value ?? target.value, target.actionId) };
  return {
    ...base,
    text: button.text,
    value: target.value ?? button.value,
    ...(button.style ? { style: button.style } : {}),
    type: 'button',
  };
}

function optionsOf(chooser: Chooser): Option[] {
  return [...(chooser.options ?? []), ...(chooser.option_groups ?? []).flatMap((group) => group.options ?? [])];
}

function optionNamed(chooser: Chooser, value: string, actionId: string): Option {
  const options = optionsOf(chooser);
  const found = options.find((option) => option.value === value);
  if (!found)
    throw new Error(
      `${actionId} has no option ${value}; its options are ${options.map((option) => option.value).join(', ')}`,
    );
  return found;
}

function toggled(chooser: Chooser, value: string | undefined): Option[] {
  const ticked = [...(chooser.initial_options ?? [])];
  for (const wanted of (value ?? '').split(',').filter(Boolean)) {
    const at = ticked.findIndex((option) => option.value === wanted);
    if (at >= 0) ticked.splice(at, 1);
    else ticked.push(optionNamed(chooser, wanted, 'the checkbox group'));
  }
  return ticked;
}

function chosen(chooser: Chooser, value: string | undefined, actionId: string): Option {
  if (!value) throw new Error(`${actionId} is a menu: pick an option with --value <option>`);
  return optionNamed(chooser, value, actionId);
}

// The bot's message as a block_actions payload carries it.
function messageAsSeen(message: SimMessage, workspace: Workspace) {
  return {
    type: 'message',
    ts: message.ts,
    text: message.text,
    blocks: message.blocks,
    bot_id: message.botId,
    user: workspace.botUserId,
    team: workspace.teamId,
  };
}

function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

function formPayload(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
