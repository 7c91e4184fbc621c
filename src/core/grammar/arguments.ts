import { didYouMean } from '../suggest.ts';
import { UserError } from '../user-error.ts';
import { tokenize, type Token, type Tokenized } from './tokenize.ts';
import { usageOf, type CommandName } from './usage.ts';

export type FlagSpec = Record<string, 'value' | 'switch'>;
export type Arguments = { text: string; positionals: Token[]; flags: Map<string, string | true> };

const FLAG = /^--([a-z][a-z-]*)(?:=(.*))?$/s;

export function usageError(command: CommandName, message: string, code = 'usage'): UserError {
  return new UserError(message, { hint: usageOf(command), code });
}

function listFlags(spec: FlagSpec): string {
  const names = Object.keys(spec).map((name) => `--${name}`);
  return names.length === 0 ? 'no flags' : names.join(', ');
}

// Tokenizer errors are usage errors of the command being parsed, so they carry its usage as the hint.
function tokenizeFor(command: CommandName, raw: string): Tokenized {
  try {
    return tokenize(raw);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(error.message, { hint: usageOf(command), code: error.code });
    throw error;
  }
}

// "--reson" → "Did you mean `--reason`?"; "-reason" and "--Reason" are near misses too.
function unknownFlag(command: CommandName, shown: string, spec: FlagSpec): UserError {
  const suggestion = didYouMean(shown.replace(/^-+/, ''), Object.keys(spec), '--');
  const message =
    suggestion === ''
      ? `\`${shown}\` is not a flag /${command} knows (it knows ${listFlags(spec)}).`
      : `\`${shown}\` is not a flag /${command} knows.${suggestion}`;
  return usageError(command, message, 'unknown_flag');
}

// "-x" is a mistyped flag; "-5" is a word (a negative number).
function looksLikeFlag(token: Token): boolean {
  return !token.quoted && token.text.startsWith('-') && token.text.length > 1 && !/^-\d/.test(token.text);
}

// Records the flag `match` names; returns how many tokens it took (2 when its value is the next token).
function takeFlag(
  command: CommandName,
  spec: FlagSpec,
  flags: Map<string, string | true>,
  match: RegExpExecArray,
  next: Token | undefined,
): number {
  const name = match[1]!;
  const kind = spec[name];
  if (kind === undefined) throw unknownFlag(command, `--${clip(name)}`, spec);
  if (flags.has(name)) throw usageError(command, `\`--${name}\` is given twice.`, 'repeated_flag');
  const inline = match[2];
  if (kind === 'switch') {
    if (inline !== undefined) throw usageError(command, `\`--${name}\` takes no value.`, 'flag_value');
    flags.set(name, true);
    return 1;
  }
  if (inline !== undefined) {
    if (inline.length === 0) throw usageError(command, `\`--${name}\` needs a value.`, 'flag_value');
    flags.set(name, inline);
    return 1;
  }
  if (next === undefined || (!next.quoted && FLAG.test(next.text)))
    throw usageError(command, `\`--${name}\` needs a value.`, 'flag_value');
  flags.set(name, next.text);
  return 2;
}

// Splits tokens into positionals and known flags. Quoted tokens are never flags, so
// `--reason "--force is bad"` keeps its text.
export function parseArguments(command: CommandName, raw: string, spec: FlagSpec): Arguments {
  const { text, tokens } = tokenizeFor(command, raw);
  const positionals: Token[] = [];
  const flags = new Map<string, string | true>();
  for (let index = 0; index < tokens.length;) {
    const token = tokens[index]!;
    const match = token.quoted ? null : FLAG.exec(token.text);
    if (match) {
      index += takeFlag(command, spec, flags, match, tokens[index + 1]);
      continue;
    }
    if (looksLikeFlag(token)) throw unknownFlag(command, clip(token.text), spec);
    positionals.push(token);
    index += 1;
  }
  return { text, positionals, flags };
}

// Long or odd user input is quoted back short and printable.
export function clip(text: string, max = 40): string {
  const visible = text.replace(/`/g, "'");
  return visible.length > max ? `${visible.slice(0, max - 1)}…` : visible;
}

// Free text (titles, notes, summaries) is taken verbatim from the first to the last positional.
export function restOf(args: Arguments, from: number): string {
  const first = args.positionals[from];
  const last = args.positionals[args.positionals.length - 1];
  if (first === undefined || last === undefined) return '';
  const taken = args.positionals.slice(from);
  if (taken.length === 1 && first.quoted) return first.text;
  const verbatim = args.text.slice(first.position, last.end);
  // A flag in the middle of the text must not become part of it; then words are joined instead.
  const flagInside = /(^|\s)--[a-z]/.test(
    taken.reduce((text, token) => text.replace(args.text.slice(token.position, token.end), ' '), verbatim),
  );
  return (flagInside ? taken.map((token) => token.text).join(' ') : verbatim).trim();
}
