import { UserError } from '../user-error.ts';

export const MAX_COMMAND_TEXT = 2_000;

// position and end index the decoded text, so free-text arguments can be taken verbatim.
export type Token = { text: string; quoted: boolean; position: number; end: number };
export type Tokenized = { text: string; tokens: Token[] };

// Slack escapes &, < and > in command text even with should_escape: false.
function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// Phones and macOS turn "--" into an em dash and straight quotes into curly ones;
// at 3 a.m. nobody should have to retype a command because of autocorrect.
const OPENING_QUOTES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\u201c': '\u201d',
  '\u2018': '\u2019',
  '\u201e': '\u201c',
};
const DASHES = /^[\u2014\u2013]/;

function controlCharacter(text: string): { index: number; code: number } | undefined {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const isWhitespace = code === 0x09 || code === 0x0a || code === 0x0d;
    if ((code < 0x20 && !isWhitespace) || code === 0x7f || (code >= 0x80 && code < 0xa0)) return { index, code };
  }
  return undefined;
}

function describeCode(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function tokenize(raw: string): Tokenized {
  if (raw.length > MAX_COMMAND_TEXT) {
    const length = raw.length.toLocaleString('en');
    const most = MAX_COMMAND_TEXT.toLocaleString('en');
    throw new UserError(`That command is ${length} characters long; the most ops-bot reads is ${most}.`, {
      code: 'too_long',
    });
  }
  const text = decodeSlackEntities(raw);
  const control = controlCharacter(text);
  if (control) {
    throw new UserError(
      `The command contains a control character (${describeCode(control.code)}) at position ${control.index + 1}.`,
      { code: 'control_character' },
    );
  }
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const closing = OPENING_QUOTES[char];
    if (closing !== undefined) {
      const end = findClosingQuote(text, index + 1, char, closing);
      // A lone apostrophe ('til, 'n') is text; a lone double quote is a mistake worth naming.
      if (end < 0 && isDouble(char))
        throw new UserError(`The quote that opens at position ${index + 1} is never closed.`, {
          code: 'unclosed_quote',
        });
      if (end >= 0) {
        tokens.push({ text: text.slice(index + 1, end), quoted: true, position: index, end: end + 1 });
        index = end + 1;
        continue;
      }
    }
    let end = index;
    while (end < text.length && !/\s/.test(text[end]!)) end += 1;
    tokens.push({ text: text.slice(index, end).replace(DASHES, '--'), quoted: false, position: index, end });
    index = end;
  }
  return { text, tokens };
}

function findClosingQuote(text: string, from: number, opening: string, closing: string): number {
  for (let index = from; index < text.length; index += 1) {
    const char = text[index];
    // Curly quotes are often mismatched by editors (“…" or "…”), so any double closes a double.
    if (char === closing || (isDouble(opening) && isDouble(char)) || (isSingle(opening) && isSingle(char)))
      return index;
  }
  return -1;
}

function isDouble(char: string | undefined): boolean {
  return char === '"' || char === '\u201c' || char === '\u201d' || char === '\u201e';
}

function isSingle(char: string | undefined): boolean {
  return char === "'" || char === '\u2018' || char === '\u2019';
}
