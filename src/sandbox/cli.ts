import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { render, type Reader } from './cli-calls.ts';
import { reader } from './cli-reader.ts';
import { Focus } from './cli-focus.ts';
import { HELP } from './cli-help.ts';
import { CEILING_MS, lastSeq, watch, type WaitMode, type Watched } from './cli-watch.ts';
import { listScenes, playScene } from './cli-scene.ts';

// `npm run slack -- --as alice "/ops help"`: sends a signed command (or a click, or a reaction)
// to the running sandbox and prints what the bot posted, rendered as text. --help lists every flag.
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    as: { type: 'string', default: 'alice' },
    channel: { type: 'string' },
    click: { type: 'string' },
    home: { type: 'boolean', default: false },
    value: { type: 'string' },
    react: { type: 'string' },
    say: { type: 'string' },
    submit: { type: 'string' },
    field: { type: 'string', multiple: true },
    unreact: { type: 'boolean', default: false },
    message: { type: 'string' },
    wait: { type: 'string' },
    follow: { type: 'boolean', default: false },
    clock: { type: 'string' },
    scene: { type: 'string' },
    sim: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

// Where the simulator listens: --sim, else what the running sandbox wrote down.
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

type DriveAnswer = {
  ok: boolean;
  error?: string;
  status?: number;
  ack?: Record<string, unknown> | string;
  ackTs?: string;
  before: number;
};
type ClockAnswer = { ok: boolean; error?: string; now?: string; offsetMs?: number };

async function main(): Promise<void> {
  if (values.help) return void process.stdout.write(HELP);
  const sim = await simulatorUrl();
  if (values.scene === 'list') return void (process.exitCode = await listScenes(sim));
  const watched: Watched = { sim, reader: await reader(sim) };
  if (values.scene) return void (process.exitCode = await playScene(sim, values.scene, watched.reader));
  if (values.clock !== undefined) {
    await setClock(sim, values.clock);
    if (!asksForAction()) return;
  }
  if (values.say) return say(sim, values.say);
  if (!asksForAction() && values.follow) return watch(watched, await lastSeq(sim), { until: 'ever' });
  const request = driveRequest();
  const answer = (await drive(sim, request)) as DriveAnswer;
  if (!answer.ok) throw new Error(answer.error);
  const reply = printAck(answer, watched.reader);
  if (request.kind === 'command' && !values.follow) watched.focus = commandFocus(watched.reader);
  await watch(watched, answer.before, waitMode(), reply);
}

// A command's output: its channel (the sandbox's default, #deploys, when none is given) and its person.
function commandFocus({ names }: Reader): Focus {
  const idOf = (name: string) => [...names].find(([, known]) => known === name)?.[0];
  return new Focus(idOf(values.channel?.replace(/^#/, '') ?? 'deploys'), idOf(values.as ?? 'alice'));
}

function asksForAction(): boolean {
  return Boolean(values.click ?? values.react ?? values.submit ?? values.say) || values.home || positionals.length > 0;
}

function waitMode(): WaitMode {
  if (values.follow) return { until: 'job', ceilingMs: Number.POSITIVE_INFINITY };
  // A Home is published a moment after it is opened, or refreshed a second after a press there.
  if (values.wait === undefined && values.home) return { until: 'quiet', quietMs: 2_500 };
  if (values.wait === undefined) return { until: 'job', ceilingMs: CEILING_MS };
  const seconds = Number(values.wait);
  if (!Number.isFinite(seconds) || seconds < 0) usage(`--wait takes seconds (a number), not "${values.wait}"`);
  return { until: 'quiet', quietMs: seconds * 1000 };
}

// The bot's direct answer (the reply to a command, or a form's refusal); returns the reply's text.
function printAck(answer: DriveAnswer, reader: Reader): string {
  if (answer.status !== 200) process.stdout.write(`bot answered HTTP ${answer.status}\n`);
  const ack = answer.ack;
  let reply = '';
  if (ack && typeof ack === 'object' && ack.text) {
    reply = render(ack.blocks ?? [], String(ack.text), reader);
    const ts = answer.ackTs ? ` (--message ${answer.ackTs})` : '';
    process.stdout.write(`── reply (only you can see this)${ts} ──\n${reply}\n`);
  }
  // A form that refuses what was typed stays open, with the reason beside the field.
  if (ack && typeof ack === 'object' && ack.response_action === 'errors') {
    const errors = Object.entries(ack.errors as Record<string, string>);
    const lines = errors.map(([field, error]) => `  ${field}: ${error}`).join('\n');
    process.stdout.write(`── the form stays open, refusing ──\n${lines}\n`);
  }
  return reply;
}

async function setClock(sim: string, at: string): Promise<void> {
  const response = await fetch(`${sim}/_sim/clock`, { method: 'POST', body: JSON.stringify({ at }) });
  const answer = (await response.json()) as ClockAnswer;
  if (!answer.ok) usage(`--clock: ${answer.error ?? `HTTP ${response.status}`}`);
  const shifted = answer.offsetMs ? '' : ' (real time)';
  process.stdout.write(`── the bot's clock reads ${answer.now}${shifted} ──\n`);
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
  if (values.home && !values.click) return { kind: 'home', as: values.as };
  if (values.click)
    return {
      kind: 'click',
      ...(values.home ? { home: true } : {}),
      as: values.as,
      actionId: values.click,
      ...(values.message ? { messageTs: values.message } : {}),
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

function required(value: string | undefined, what: string): string {
  if (!value) usage(`missing ${what}`);
  return value;
}

function usage(problem: string): never {
  process.stderr.write(`${problem}\n(npm run slack -- --help lists every flag)\n`);
  process.exit(2);
}

main().catch((error: unknown) => {
  // fetch's own TypeError: nothing answered. Anything else is the sandbox's answer, shown as it is.
  const unreachable = error instanceof TypeError && error.message === 'fetch failed';
  const hint = unreachable ? '\n(is the sandbox running? npm run sandbox)' : '';
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}${hint}\n`);
  process.exit(1);
});
