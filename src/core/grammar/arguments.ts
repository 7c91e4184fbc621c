import { UserError } from '../user-error.ts';
import { tokenize, type Token } from './tokenize.ts';
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

// Splits tokens into positionals and known flags. Quoted tokens are never flags, so
// `--reason "--force is bad"` keeps its text.
export function parseArguments(command: CommandName, raw: string, spec: FlagSpec): Arguments {
  let tokenized;
  try {
    tokenized = tokenize(raw);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(error.message, { hint: usageOf(command), code: error.code });
    throw error;
  }
  const { text, tokens } = tokenized;
  const positionals: Token[] = [];
  const flags = new Map<string, string | true>();
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    const match = token.quoted ? null : FLAG.exec(token.text);
    if (!match) {
      if (!token.quoted && token.text.startsWith('-') && token.text.length > 1 && !/^-\d/.test(token.text)) {
        throw usageError(
          command,
          `\`${clip(token.text)}\` is not a flag /${command} knows (it knows ${listFlags(spec)}).`,
          'unknown_flag',
        );
      }
      positionals.push(token);
      continue;
    }
    const name = match[1]!;
    const kind = spec[name];
    if (kind === undefined)
      throw usageError(
        command,
        `\`--${clip(name)}\` is not a flag /${command} knows (it knows ${listFlags(spec)}).`,
        'unknown_flag',
      );
    if (flags.has(name)) throw usageError(command, `\`--${name}\` is given twice.`, 'repeated_flag');
    if (kind === 'switch') {
      if (match[2] !== undefined) throw usageError(command, `\`--${name}\` takes no value.`, 'flag_value');
      flags.set(name, true);
      continue;
    }
    const inline = match[2];
    if (inline !== undefined) {
      if (inline.length === 0) throw usageError(command, `\`--${name}\` needs a value.`, 'flag_value');
      flags.set(name, inline);
      continue;
    }
    const next = tokens[index + 1];
    if (next === undefined || (!next.quoted && FLAG.test(next.text)))
      throw usageError(command, `\`--${name}\` needs a value.`, 'flag_value');
    flags.set(name, next.text);
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
