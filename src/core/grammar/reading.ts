import type { z } from 'zod';
import { didYouMean } from '../suggest.ts';
import { clip, usageError, type Arguments } from './arguments.ts';
import type { Token } from './tokenize.ts';
import type { CommandName } from './usage.ts';

export const DEFAULT_LIMIT = 10;

export function read<T>(command: CommandName, schema: z.ZodType<T>, raw: string, what: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'is not valid';
  throw usageError(command, `${what} \`${clip(raw)}\` ${message}.`, 'invalid_value');
}

export function readFlag<T>(command: CommandName, args: Arguments, flag: string, schema: z.ZodType<T>): T | undefined {
  const raw = args.flags.get(flag);
  if (raw === undefined) return undefined;
  return read(command, schema, raw === true ? '' : raw, `--${flag}`);
}

export function expectCount(
  command: CommandName,
  args: Arguments,
  from: number,
  min: number,
  max: number,
  missing: string,
): Token[] {
  const taken = args.positionals.slice(from);
  if (taken.length < min) throw usageError(command, missing, 'missing_argument');
  if (taken.length > max)
    throw usageError(command, `Unexpected \`${clip(taken[max]!.text)}\`: it is one word too many.`, 'extra_argument');
  return taken;
}

// "[to]" is optional sugar: "/deploy checkout 1.4.2 to production" and "… 1.4.2 production".
export function dropTo(tokens: Token[], at: number): Token[] {
  const word = tokens[at];
  return word !== undefined && !word.quoted && word.text.toLowerCase() === 'to' && tokens.length > at + 1
    ? tokens.filter((_, index) => index !== at)
    : tokens;
}

export function subcommandOf(args: Arguments): string | undefined {
  const first = args.positionals[0];
  return first && !first.quoted ? first.text.toLowerCase() : undefined;
}

// Names the word that is not a subcommand and, when one is close, the subcommand it likely was
// (`aliases` are matched too but not listed).
export function unknownSubcommand(command: CommandName, word: string, known: string[], aliases: string[] = []): never {
  const suggestion = didYouMean(word, [...known, ...aliases]);
  const message =
    suggestion === ''
      ? `\`${clip(word)}\` is not a /${command} subcommand (try ${known.join(', ')}).`
      : `\`${clip(word)}\` is not a /${command} subcommand.${suggestion}`;
  throw usageError(command, message, 'unknown_subcommand');
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
