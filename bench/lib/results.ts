import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';

export type Figures = Record<string, number>;

export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${hostname()}: ${cpu}, ${cpus().length} cpus, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

// Every benchmark prints a table and writes bench/results/<name>.json in the shared shape.
export async function report(
  name: string,
  figures: Figures,
  notes: Record<string, string | number> = {},
): Promise<void> {
  const rows = Object.entries(figures).map(([figure, value]) => [figure, String(value)]);
  const width = Math.max(...rows.map(([figure]) => figure!.length), 6);
  process.stdout.write(`\n${name}\n${'-'.repeat(width + 14)}\n`);
  for (const [figure, value] of rows) process.stdout.write(`${figure!.padEnd(width)}  ${value!.padStart(10)}\n`);
  for (const [key, value] of Object.entries(notes)) process.stdout.write(`  (${key}: ${value})\n`);
  await mkdir(new URL('../results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL(`../results/${name}.json`, import.meta.url),
    `${JSON.stringify({ name, machine: machine(), figures, notes, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
