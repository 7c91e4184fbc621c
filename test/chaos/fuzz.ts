import fc from 'fast-check';
import { parseCommand } from '../../src/core/grammar/commands.ts';
import { jobIdFor } from '../../src/core/ids.ts';
import { JOB_KINDS, type JobKind } from '../../src/jobs/kinds.ts';
import type { ChaosCluster } from './cluster.ts';
import type { Traffic } from './traffic.ts';

export const FUZZ_SEED = 1313;
const COMMANDS = ['/deploy', '/rollback', '/backup', '/incident', '/ops'] as const;

const WORDS = [
  'checkout',
  'cart',
  'search',
  'nosuchservice',
  'Checkout',
  '1.4.2',
  '2.0.0-rc.1',
  'sha256:' + 'a'.repeat(64),
  'latest',
  'v1',
  '..',
  'to',
  'staging',
  'production',
  'prod',
  'qa',
  '--reason',
  '--dry-run',
  '--strategy',
  'rolling',
  'canary',
  'bluegreen',
  '--to',
  '--limit',
  '--break-glass',
  '--',
  '-',
  'history',
  'list',
  'verify',
  'declare',
  'note',
  'sev',
  'resolve',
  'reopen',
  'timeline',
  'whoami',
  'status',
  'help',
  'cancel',
  'audit',
  'freeze',
  '--leave',
  'P0',
  'P1',
  'P9',
  '"',
  "'",
  '“quoted”',
  '"x y"',
  '<@U0ALICE001>',
  '<!channel>',
  '&amp;',
  '*bold*',
  '`code`',
  '\u0000',
  '\u202e',
  '—',
  '🚀',
  'ñ',
  '\n',
  '\t',
];

// Near misses: a valid command with one word dropped, doubled or swapped for another.
const TEMPLATES = [
  ['/deploy', 'checkout 1.4.2 to staging --reason "fix" --dry-run'],
  ['/deploy', 'history checkout staging --limit 5'],
  ['/rollback', 'checkout production --to 3 --reason "bad"'],
  ['/backup', 'list ledger --limit 3'],
  ['/backup', 'verify ledger-20260101-000000-abcdef --plan'],
  ['/incident', 'declare P1 "checkout errors" --service checkout'],
  ['/incident', 'sev P2'],
  ['/ops', 'cancel deploy-0123456789abcdef --leave'],
  ['/ops', 'status deploy-0123456789abcdef'],
  ['/ops', 'whoami'],
] as const;

const words = fc.array(fc.constantFrom(...WORDS), { maxLength: 14 }).map((picked) => picked.join(' '));
const nearMiss = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.nat(), fc.constantFrom(...WORDS), fc.constantFrom('drop', 'double', 'swap'))
  .map(([[command, text], at, word, how]) => {
    const parts = text.split(' ');
    const index = at % parts.length;
    if (how === 'drop') parts.splice(index, 1);
    if (how === 'double') parts.splice(index, 0, parts[index]!);
    if (how === 'swap') parts[index] = word;
    return { command, text: parts.join(' ') };
  });
const anyText = fc.oneof(
  { arbitrary: words, weight: 4 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 1 },
  // Huge inputs: Slack caps a command's text, a forged or buggy client need not.
  { arbitrary: fc.tuple(fc.constantFrom(...WORDS), fc.integer({ min: 2_000, max: 12_000 })), weight: 1 },
);
const fuzzedCommand = fc.oneof(
  { arbitrary: fc.constantFrom(...TEMPLATES).map(([command, text]) => ({ command, text })), weight: 1 },
  { arbitrary: nearMiss, weight: 2 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...COMMANDS), anyText).map(([command, text]) => ({
      command,
      text: typeof text === 'string' ? text : text[0].repeat(Math.ceil(text[1] / Math.max(1, text[0].length))),
    })),
    weight: 5,
  },
);

export type Fuzzed = { command: string; text: string };

export function fuzzedCommands(count: number, seed = FUZZ_SEED): Fuzzed[] {
  return fc.sample(fuzzedCommand, { numRuns: count, seed });
}

export type FuzzAnswer = Fuzzed & { triggerId: string; status: number | undefined; parses: boolean; whoami: boolean };

// What the real grammar makes of a text: refused texts must start nothing.
export function grammarOf(fuzzed: Fuzzed): { parses: boolean; whoami: boolean } {
  try {
    const request = parseCommand(fuzzed.command, fuzzed.text);
    return { parses: true, whoami: request.command === 'ops' && 'sub' in request && request.sub === 'whoami' };
  } catch {
    return { parses: false, whoami: false };
  }
}

// Every job id a delivery could have enqueued: they all derive from its trigger_id.
export function jobIdsOf(triggerId: string): string[] {
  return (Object.keys(JOB_KINDS) as JobKind[]).map((kind) => jobIdFor(kind, `command:${triggerId}`));
}

let triggers = 0;

// Sends the texts as the guest (who may run /ops whoami and nothing else), alternating replicas, a few
// at a time, each given up at 3 s as Slack does.
export async function sendFuzzed(
  cluster: ChaosCluster,
  traffic: Traffic,
  fuzzed: Fuzzed[],
  inFlight = 6,
): Promise<FuzzAnswer[]> {
  const answers: FuzzAnswer[] = [];
  let next = 0;
  const lane = async () => {
    while (next < fuzzed.length) {
      const index = next++;
      const line = `${fuzzed[index]!.command} ${fuzzed[index]!.text}`.trim().toWellFormed();
      // Judged on what goes over the wire: the driver trims the line, as Slack does.
      const one = { command: fuzzed[index]!.command, text: line.split(/ (.*)/s)[1] ?? '' };
      triggers += 1;
      const triggerId = `${Date.now()}.${triggers}.fuzz${index.toString(16)}`;
      const answer = await traffic.deliver(
        `fuzz #${index} ${one.command} ${JSON.stringify(one.text.slice(0, 60))}`,
        (signal) => cluster.driver(index).command('guest', line, { triggerId, signal }),
      );
      answers.push({ ...one, ...grammarOf(one), triggerId, status: answer?.status });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return answers;
}
