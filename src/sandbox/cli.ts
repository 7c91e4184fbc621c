import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderBlocks } from './slack/render.ts';

// `npm run slack -- --as alice "/ops help"`: sends a signed command (or a click, or a reaction)
// to the running sandbox and prints what the bot posted, rendered as text.
type Call = {
  seq: number;
  method: string;
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  result?: { ts?: string; channel?: unknown };
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    as: { type: 'string', default: 'alice' },
    channel: { type: 'string' },
    click: { type: 'string' },
    value: { type: 'string' },
    react: { type: 'string' },
    say: { type: 'string' },
    submit: { type: 'string' },
    field: { type: 'string', multiple: true },
    unreact: { type: 'boolean', default: false },
    message: { type: 'string' },
    wait: { type: 'string', default: '2' },
    sim: { type: 'string' },
  },
});

async function simulatorUrl(): Promise<string> {
  if (values.sim) return values.sim;
  try {
    return (
      JSON.parse(await readFile(`${process.env.SANDBOX_DIR ?? '.sandbox'}/state.json`, 'utf8')) as { simulator: string }
    ).simulator;
  } catch {
    return 'http://127.0.0.1:3101';
  }
}

type State = { users: { id: string; name: string }[]; groups?: { id: string; handle: string }[]; channels: Channel[] };
type Channel = { id: string; name: string };
type DriveAnswer = {
  ok: boolean;
  error?: string;
  status?: number;
  ack?: Record<string, unknown> | string;
  before: number;
};

async function main(): Promise<void> {
  const sim = await simulatorUrl();
  const names = await displayNames(sim);
  if (values.say) return say(sim, values.say);
  const answer = (await drive(sim, driveRequest())) as DriveAnswer;
  if (!answer.ok) throw new Error(answer.error);
  if (answer.status !== 200) process.stdout.write(`bot answered HTTP ${answer.status}\n`);
  if (answer.ack && typeof answer.ack === 'object' && answer.ack.text) {
    const reply = renderBlocks((answer.ack.blocks as unknown[]) ?? [], String(answer.ack.text), names);
    process.stdout.write(`── reply (only you can see this) ──\n${reply}\n`);
  }
  // A form that refuses what was typed stays open, with the reason beside the field.
  if (answer.ack && typeof answer.ack === 'object' && answer.ack.response_action === 'errors') {
    const errors = Object.entries(answer.ack.errors as Record<string, string>);
    const lines = errors.map(([field, error]) => `  ${field}: ${error}`).join('\n');
    process.stdout.write(`── the form stays open, refusing ──\n${lines}\n`);
  }
  await follow(sim, answer.before, Number(values.wait) * 1000, names);
}

// Who and what the ids in the bot's messages name: people, user groups and channels.
async function displayNames(sim: string): Promise<Map<string, string>> {
  const state = (await (await fetch(`${sim}/_sim/state`)).json()) as State;
  return new Map<string, string>([
    ...state.users.map((user) => [user.id, user.name] as const),
    ...(state.groups ?? []).map((group) => [group.id, group.handle] as const),
    ...state.channels.map((channel) => [channel.id, channel.name] as const),
  ]);
}

async function drive(sim: string, request: Record<string, unknown>): Promise<unknown> {
  return (await fetch(`${sim}/_sim/drive`, { method: 'POST', body: JSON.stringify(request) })).json();
}

async function say(sim: string, text: string): Promise<void> {
  const channel = required(values.channel, '--channel <name>');
  const said = (await drive(sim, { kind: 'say', as: values.as, channel, text })) as {
    ok: boolean;
    error?: string;
    ts?: string;
  };
  if (!said.ok) throw new Error(said.error);
  process.stdout.write(`── @${values.as} said in #${values.channel} (--message ${said.ts}) ──\n${text}\n`);
}

// What the flags ask the sandbox to do as the person: submit a form, click, react, or run a command.
function driveRequest(): Record<string, unknown> {
  if (values.submit) return { kind: 'submit', as: values.as, callbackId: values.submit, fields: formFields() };
  if (values.click)
    return {
      kind: 'click',
      as: values.as,
      actionId: values.click,
      messageTs: required(values.message, '--message <ts>'),
      ...(values.value ? { value: values.value } : {}),
    };
  if (values.react)
    return {
      kind: 'react',
      as: values.as,
      reaction: values.react,
      messageTs: required(values.message, '--message <ts>'),
      removed: values.unreact,
    };
  return {
    kind: 'command',
    as: values.as,
    line: required(positionals.join(' ') || undefined, 'a command such as "/ops help"'),
    ...(values.channel ? { channel: values.channel } : {}),
  };
}

// --field block=value, split at the first '='.
function formFields(): Record<string, string> {
  return Object.fromEntries(
    (values.field ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

// Prints what the bot says next, until it has been quiet for `quietMs`.
async function follow(sim: string, after: number, quietMs: number, names: Map<string, string>): Promise<void> {
  let seq = after;
  let lastActivity = Date.now();
  while (Date.now() - lastActivity < quietMs) {
    const { calls } = (await (await fetch(`${sim}/_sim/calls?after=${seq}`)).json()) as { calls: Call[] };
    for (const call of calls) {
      seq = call.seq;
      lastActivity = Date.now();
      const line = describe(call, names);
      if (line) process.stdout.write(`${line}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function describe(call: Call, names: Map<string, string>): string | undefined {
  const where = call.args.channel ? `#${names.get(String(call.args.channel)) ?? String(call.args.channel)}` : '';
  const body = () => renderBlocks(parseBlocks(call.args.blocks), String(call.args.text ?? ''), names);
  if (!call.ok) return `── ${call.method} failed: ${call.error} ──`;
  switch (call.method) {
    case 'chat.postMessage':
      return `── posted in ${where} (--message ${call.result?.ts ?? '?'}) ──\n${body()}`;
    case 'chat.update':
      return `── updated message ${String(call.args.ts)} in ${where} ──\n${body()}`;
    case 'chat.postEphemeral':
      return `── only @${names.get(String(call.args.user)) ?? ''} sees, in ${where} ──\n${body()}`;
    case 'response_url': {
      const replacing = call.args.replace_original ? ', replacing the previous one' : '';
      return `── reply (only you can see this)${replacing} ──\n${body()}`;
    }
    case 'conversations.create': {
      const created = call.result?.channel as { id?: string; name?: string } | undefined;
      if (created?.id && created.name) names.set(created.id, created.name);
      return `── created channel #${String(call.args.name)} ──`;
    }
    case 'conversations.invite':
      return `── invited ${String(call.args.users)
        .split(',')
        .map((id) => `@${names.get(id) ?? id}`)
        .join(' ')} to ${where} ──`;
    case 'conversations.setTopic':
      return `── topic of ${where}: ${String(call.args.topic)} ──`;
    case 'bookmarks.add':
      return `── bookmarked ${String(call.args.link)} in #${names.get(String(call.args.channel_id)) ?? ''} ──`;
    case 'pins.add':
      return `── pinned message ${String(call.args.timestamp)} in ${where} ──`;
    case 'files.completeUploadExternal':
      return `── uploaded ${String(call.args.files)} to #${names.get(String(call.args.channel_id)) ?? ''} ──`;
    case 'conversations.archive':
      return `── archived ${where} ──`;
    case 'conversations.unarchive':
      return `── unarchived ${where} ──`;
    case 'views.open':
      return describeForm(call, names);
    default:
      return undefined;
  }
}

// A form the bot opened: its fields as --field flags, and what it says besides them.
function describeForm(call: Call, names: Map<string, string>): string {
  const form = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
    callback_id?: string;
    title?: { text?: string };
    blocks?: { block_id?: string; label?: { text?: string }; element?: { initial_value?: string } }[];
  };
  // A field the form fills in (the break-glass form offers the channel's incident) shows its value.
  const valueOf = (block: { element?: { initial_value?: string } }) =>
    block.element?.initial_value ? `'${block.element.initial_value}'` : '…';
  const inputs = (form.blocks ?? [])
    .filter((block) => block.label)
    .map((block) => `--field ${block.block_id}=${valueOf(block)} (${block.label?.text ?? ''})`)
    .join(' ');
  // What the form says besides its fields (the incident card's Roll back names both ends there).
  const says = renderBlocks(
    (form.blocks ?? []).filter((block) => !block.label),
    '',
    names,
  );
  const opened = `── form "${form.title?.text ?? ''}" opened: --submit ${form.callback_id ?? '?'} ${inputs} ──`;
  return says ? `${opened}\n${says}` : opened;
}

function parseBlocks(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as unknown[];
    } catch {
      return [];
    }
  }
  return [];
}

const USAGE = [
  'npm run slack -- --as <name> "/command text" [--channel <name>]',
  '--click <action-id> --message <ts>',
  '--react <emoji> --message <ts>',
  '--say "text" --channel <name>',
  '--submit <callback-id> --field <block>=<value> …',
].join(' | ');

function required(value: string | undefined, what: string): string {
  if (!value) {
    process.stderr.write(`missing ${what}\nusage: ${USAGE}\n`);
    process.exit(2);
  }
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? error.message : String(error)}\n(is the sandbox running? npm run sandbox)\n`,
  );
  process.exit(1);
});
