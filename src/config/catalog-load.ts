import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { catalogSchema, type Catalog } from '../core/catalog.ts';

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    super(`${file}: the catalog is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

// `named`: the path was given (a command's argument), so a missing file is a wrong path, and OPS_CATALOG is no help.
export async function loadCatalog(file: string, options: { named?: boolean } = {}): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code !== 'ENOENT'
        ? ''
        : options.named
          ? ' (check the path)'
          : ' (set OPS_CATALOG, or copy config/catalog.example.yml to config/catalog.yml)';
    throw new CatalogError(file, [`cannot read the catalog: ${code ?? String(error)}${hint}`]);
  }
  return parseCatalog(file, text);
}

export function parseCatalog(file: string, text: string): Catalog {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new CatalogError(
      file,
      document.errors.map((error) => {
        const at = lines.linePos(error.pos[0]);
        return `${file}:${at.line}:${at.col}: YAML: ${error.message.split('\n')[0]}`;
      }),
    );
  }
  const result = catalogSchema.safeParse(document.toJS() ?? {});
  if (result.success) return result.data;
  throw new CatalogError(
    file,
    result.error.issues.flatMap(unfoldUnion).map((issue) => describeIssue(file, document, lines, issue)),
  );
}

// A union ("none" or a policy; a weekly or a dated freeze) whose one branch matched the value's shape
// but failed inside it: that branch's own issues, at their full paths, say what is wrong
// (`approval.required: expected a number, got "two"`) where the union's summary cannot.
function unfoldUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const inside = issue.errors.filter((branch) => branch.length > 0 && branch.every((sub) => sub.path.length > 0));
  if (inside.length !== 1) return [issue];
  return inside[0]!.flatMap((sub) => unfoldUnion({ ...sub, path: [...issue.path, ...sub.path] }));
}

function describeIssue(file: string, document: Document, lines: LineCounter, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const field = path.length === 0 ? '(top level)' : path.join('.');
  const exact = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const at = positionOf(document, lines, exact);
  const where = at ? `${file}:${at.line}:${at.col}` : file;
  const given = document.getIn(issue.path as unknown[], true);
  const message = messageOf(issue, given);
  const got = given !== undefined && issue.code !== 'unrecognized_keys' && !message.includes('got ');
  return `${where}: ${field}: ${message}${got ? ` (got ${describeGiven(given)})` : ''}`;
}

// zod's "expected number" in the words of a YAML file.
const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
  record: 'a mapping (key: value lines)',
};

function describeGiven(given: unknown): string {
  if (isScalar(given)) return given.value === null ? 'nothing' : JSON.stringify(given.value);
  if (isSeq(given)) return 'a list';
  if (isMap(given)) return 'a mapping';
  return 'something else';
}

function messageOf(issue: z.core.$ZodIssue, given: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    const noun = issue.keys.length > 1 ? 'keys' : 'key';
    return `unknown ${noun} ${keys} (check the spelling against config/catalog.example.yml)`;
  }
  if (issue.code === 'invalid_type') {
    const expected = EXPECTED[issue.expected] ?? issue.expected;
    if (issue.message.includes('received undefined')) return `is required (${expected})`;
    // Only zod's own wording is replaced; a message the schema chose is kept.
    if (issue.message.startsWith('Invalid input')) return `expected ${expected}, got ${describeGiven(given)}`;
  }
  return issue.message;
}

// The deepest node of the path that exists in the YAML, so a missing key points at its parent.
function positionOf(
  document: Document,
  lines: LineCounter,
  path: PropertyKey[],
): { line: number; col: number } | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = document.getIn(path.slice(0, length) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return undefined;
}
