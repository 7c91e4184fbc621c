// Lists lines longer than the print width (120) under a folder (default src/) that are not long
// because of one string, regular expression, URL or template whose placeholders are plain names:
// Prettier wraps code, so such a line carries too much (a template full of calls and conditions, a
// trailing comment) and wants names for its parts. Exits 1 when there are any.
// (ESLint's max-len cannot say this: its ignoreStrings spares every line that holds any string.)
//   node scripts/long-lines.ts [folder …] [--width N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

type Span = { start: number; end: number };

const URL_PATTERN = /https?:\/\/\S+/g;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

// A name or a property path (`plan.service`) reads as part of the text; a call or a condition inside a
// template is logic, and a line carrying it should name it first.
function isPlainValue(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return true;
  return ts.isPropertyAccessExpression(node) && isPlainValue(node.expression);
}

function isLiteral(node: ts.Node): boolean {
  if (ts.isTemplateExpression(node)) return node.templateSpans.every((span) => isPlainValue(span.expression));
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isRegularExpressionLiteral(node);
}

function literalSpans(source: ts.SourceFile): Span[] {
  const spans: Span[] = [];
  const visit = (node: ts.Node): void => {
    if (isLiteral(node)) spans.push({ start: node.getStart(source), end: node.getEnd() });
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

function longestPart(line: Span, spans: Span[], text: string): number {
  const clipped = spans
    .filter((span) => span.start < line.end && span.end > line.start)
    .map((span) => Math.min(span.end, line.end) - Math.max(span.start, line.start));
  const urls = [...text.slice(line.start, line.end).matchAll(URL_PATTERN)].map((match) => match[0].length);
  return Math.max(0, ...clipped, ...urls);
}

function longLinesIn(file: string, width: number): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const spans = literalSpans(source);
  const found: string[] = [];
  let start = 0;
  text.split('\n').forEach((content, index) => {
    const line = { start, end: start + content.length };
    start = line.end + 1;
    if (content.length <= width) return;
    if (content.length - longestPart(line, spans, text) <= width) return;
    found.push(`${relative(process.cwd(), file)}:${index + 1}: ${content.length} characters`);
  });
  return found;
}

function main(args: string[]): number {
  const widthAt = args.indexOf('--width');
  const width = widthAt === -1 ? 120 : Number(args[widthAt + 1]);
  const given = args.filter((arg, index) => !arg.startsWith('--') && (widthAt === -1 || index !== widthAt + 1));
  const folders = given.length > 0 ? given : ['src'];
  const found = folders.flatMap(sourceFiles).flatMap((file) => longLinesIn(file, width));
  for (const line of found) console.error(`${line} (over ${width}: give its parts names)`);
  return found.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
