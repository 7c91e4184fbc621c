import { readFile } from 'node:fs/promises';
import { LineCounter, isNode, isScalar, parseDocument, type Document } from 'yaml';
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

export async function loadCatalog(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOENT' ? ' (set OPS_CATALOG, or copy config/catalog.example.yml to config/catalog.yml)' : '';
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
    result.error.issues.map((issue) => describeIssue(file, document, lines, issue)),
  );
}

function describeIssue(file: string, document: Document, lines: LineCounter, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const field = path.length === 0 ? '(top level)' : path.join('.');
  const exact = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const at = positionOf(document, lines, exact);
  const where = at ? `${file}:${at.line}:${at.col}` : file;
  const message = messageOf(issue);
  const given = document.getIn(issue.path as unknown[], true);
  const got =
    isScalar(given) && issue.code !== 'unrecognized_keys' && !message.includes('got ')
      ? ` (got ${JSON.stringify(given.value)})`
      : '';
  return `${where}: ${field}: ${message}${got}`;
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    const noun = issue.keys.length > 1 ? 'keys' : 'key';
    return `unknown ${noun} ${keys} (check the spelling against config/catalog.example.yml)`;
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined'))
    return `is required (${issue.expected})`;
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
