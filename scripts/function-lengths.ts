// Lists the longest functions under a folder (default src/), by lines from their first to their
// last line, so a reader can see where the code wants splitting. Usage:
//   node scripts/function-lengths.ts [folder …] [--top N] [--over N] [--json]
// --over N exits 1 when a function is longer than N lines and has no "long-function:" comment
// saying why, which is how `npm run lint` holds the ~60-line budget.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

type FunctionLength = { file: string; line: number; name: string; lines: number; excused: boolean };

const EXCUSE = /long-function:/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(source).slice(0, 40)})`;
  return '(anonymous)';
}

function isExcused(node: ts.Node, source: ts.SourceFile): boolean {
  const holder = ts.isVariableDeclaration(node.parent) ? node.parent.parent.parent : node;
  const comments = ts.getLeadingCommentRanges(source.text, holder.getFullStart()) ?? [];
  return comments.some((range) => EXCUSE.test(source.text.slice(range.pos, range.end)));
}

function lengthsIn(file: string, root: string): FunctionLength[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({
        file: relative(root, file),
        line: first + 1,
        name: nameOf(node, source),
        lines: last - first + 1,
        excused: isExcused(node, source),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

type Options = { folders: string[]; top: number; over: number | undefined; json: boolean };

function parseOptions(args: string[]): Options {
  const options: Options = { folders: [], top: 10, over: undefined, json: false };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--top') options.top = Number(args[++index]);
    else if (arg === '--over') options.over = Number(args[++index]);
    else options.folders.push(arg);
  }
  if (options.folders.length === 0) options.folders.push('src');
  return options;
}

function main(args: string[]): number {
  const { folders, top, over, json } = parseOptions(args);
  const all = folders
    .flatMap(sourceFiles)
    .flatMap((file) => lengthsIn(file, process.cwd()))
    .sort((a, b) => b.lines - a.lines);
  if (json) {
    console.log(JSON.stringify(all.slice(0, top), null, 2));
  } else {
    for (const entry of all.slice(0, top)) {
      const mark = entry.excused ? ' (excused)' : '';
      console.log(`${String(entry.lines).padStart(4)}  ${entry.file}:${entry.line}  ${entry.name}${mark}`);
    }
  }
  if (over === undefined) return 0;
  const offenders = all.filter((entry) => entry.lines > over && !entry.excused);
  for (const entry of offenders) {
    console.error(
      `${entry.file}:${entry.line}: ${entry.name} is ${entry.lines} lines (budget ${over}; ` +
        'split it, or say why in a "long-function:" comment above it)',
    );
  }
  return offenders.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
