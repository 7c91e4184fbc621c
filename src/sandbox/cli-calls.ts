import { renderBlocks } from './slack/render.ts';

// What the bot did in the simulated Slack, one recorded Web API call at a time, as terminal text.
export type Call = {
  seq: number;
  method: string;
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  result?: { ts?: string; message_ts?: string; channel?: unknown };
};

// Who and what ids name (people, groups, channels), and the sandbox's clock for `{ago}`.
export type Reader = { names: Map<string, string>; nowMs: () => number };

export function describe(call: Call, reader: Reader): string | undefined {
  const { names } = reader;
  const where = call.args.channel ? `#${names.get(String(call.args.channel)) ?? String(call.args.channel)}` : '';
  const body = () => render(call.args.blocks, String(call.args.text ?? ''), reader);
  if (!call.ok) return `── ${call.method} failed: ${call.error} ──`;
  switch (call.method) {
    case 'chat.postMessage':
      return posted(call, where, body());
    case 'chat.update':
      return `── updated message ${String(call.args.ts)} in ${where} ──\n${body()}`;
    case 'chat.postEphemeral': {
      const ts = call.result?.message_ts ? ` (--message ${call.result.message_ts})` : '';
      return `── only @${names.get(String(call.args.user)) ?? ''} sees, in ${where}${ts} ──\n${body()}`;
    }
    case 'response_url': {
      const replacing = call.args.replace_original ? ', replacing the previous one' : '';
      const ts = call.result?.ts ? ` (--message ${call.result.ts})` : '';
      return `── reply (only you can see this)${replacing}${ts} ──\n${body()}`;
    }
    case 'views.open':
      return describeForm(call, reader);
    case 'views.publish': {
      const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
        blocks?: unknown;
      };
      return `── @${names.get(String(call.args.user_id)) ?? ''}'s Home tab ──\n${render(view.blocks ?? [], '', reader)}`;
    }
    default:
      return describeChannelChange(call, where, reader);
  }
}

// A reply in a thread is shown under its parent, indented, as Slack shows it in the thread pane.
function posted(call: Call, where: string, body: string): string {
  const ts = call.result?.ts ?? '?';
  if (!call.args.thread_ts) return `── posted in ${where} (--message ${ts}) ──\n${body}`;
  const indented = body.replace(/^/gm, '    ');
  return `    ↳ in thread of ${String(call.args.thread_ts)} in ${where} (--message ${ts})\n${indented}`;
}

function describeChannelChange(call: Call, where: string, reader: Reader): string | undefined {
  const { names } = reader;
  const channelId = (key: string) => `#${names.get(String(call.args[key])) ?? String(call.args[key])}`;
  switch (call.method) {
    case 'conversations.create':
      return `── created channel #${String(call.args.name)} ──`;
    case 'conversations.invite': {
      const people = String(call.args.users)
        .split(',')
        .map((id) => `@${names.get(id) ?? id}`);
      return `── invited ${people.join(' ')} to ${where} ──`;
    }
    case 'conversations.setTopic':
      return `── topic of ${where}: ${render([], String(call.args.topic), reader)} ──`;
    case 'bookmarks.add':
      return `── bookmarked ${String(call.args.link)} in ${channelId('channel_id')} ──`;
    case 'pins.add':
      return `── pinned message ${String(call.args.timestamp)} in ${where} ──`;
    case 'files.completeUploadExternal':
      return `── uploaded ${fileTitles(call.args.files)} to ${channelId('channel_id')} ──`;
    case 'conversations.archive':
      return `── archived ${where} ──`;
    case 'conversations.unarchive':
      return `── unarchived ${where} ──`;
    default:
      return undefined;
  }
}

// files.completeUploadExternal's files ([{id, title}], sent as JSON text): their titles, quoted.
function fileTitles(files: unknown): string {
  const list = parseBlocks(files) as { id?: string; title?: string }[];
  const titles = list.map((file) => `"${file.title ?? file.id ?? '?'}"`);
  return titles.length > 0 ? titles.join(', ') : 'a file';
}

type FormBlock = { block_id?: string; label?: { text?: string }; element?: { initial_value?: string } };

// A form the bot opened: its fields as --field flags, and what it says besides them.
function describeForm(call: Call, reader: Reader): string {
  const form = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
    callback_id?: string;
    title?: { text?: string };
    blocks?: FormBlock[];
  };
  // A field the form fills in (the break-glass form offers the channel's incident) shows its value.
  const valueOf = (block: FormBlock) => (block.element?.initial_value ? `'${block.element.initial_value}'` : '…');
  const inputs = (form.blocks ?? [])
    .filter((block) => block.label)
    .map((block) => `--field ${block.block_id}=${valueOf(block)} (${block.label?.text ?? ''})`)
    .join(' ');
  // What the form says besides its fields (the incident card's Roll back names both ends there).
  const says = render(
    (form.blocks ?? []).filter((block) => !block.label),
    '',
    reader,
  );
  const opened = `── form "${form.title?.text ?? ''}" opened: --submit ${form.callback_id ?? '?'} ${inputs} ──`;
  return says ? `${opened}\n${says}` : opened;
}

export function render(blocks: unknown, fallback: string, reader: Reader): string {
  return renderBlocks(parseBlocks(blocks), fallback, reader.names, reader.nowMs());
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
