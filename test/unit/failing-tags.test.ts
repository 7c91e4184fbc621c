import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { FAILING_TAGS, failingTagList, withFailingTagsTable } from '../../src/sandbox/failing-tags.ts';

const README = new URL('../../README.md', import.meta.url);

describe("the sandbox's failing image tags", () => {
  it('are listed in the README exactly as FAILING_TAGS has them (npm run readme:failing-tags rewrites it)', async () => {
    const readme = await readFile(README, 'utf8');
    expect(withFailingTagsTable(readme)).toBe(readme);
    for (const tag of FAILING_TAGS) expect(readme).toContain(`| \`…${tag.suffix}\` | ${tag.mode} |`);
  });

  it('are a JSON list a console can show, each with a command that tries it', () => {
    const list = JSON.parse(JSON.stringify(failingTagList())) as { suffix: string; example: string }[];
    expect(list.map((tag) => tag.suffix)).toEqual(FAILING_TAGS.map((tag) => tag.suffix));
    for (const tag of list) expect(tag.example).toMatch(new RegExp(`^/deploy checkout \\S+${tag.suffix} to staging$`));
  });
});
