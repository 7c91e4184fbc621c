import { readFile, writeFile } from 'node:fs/promises';
import { withFailingTagsTable } from '../src/sandbox/failing-tags.ts';

// `npm run readme:failing-tags`: rewrites the README's table of the sandbox's failing image tags
// from src/sandbox/failing-tags.ts (test/unit/failing-tags.test.ts fails when the two differ).
const README = new URL('../README.md', import.meta.url);
await writeFile(README, withFailingTagsTable(await readFile(README, 'utf8')));
