import { describe, expect, it } from '@jest/globals';
import { code } from '../../src/bot/views/blocks.ts';

describe('code spans', () => {
  it('keep mentions and channel links outside, where Slack resolves them', () => {
    expect(code('checkout production: 1.4.2 (rev 2, by <@U0BOB00002> 14:31, live) → 1.4.1')).toBe(
      '`checkout production: 1.4.2 (rev 2, by` <@U0BOB00002> `14:31, live) → 1.4.1`',
    );
    expect(code('<@U1> and <#C2|deploys>')).toBe('<@U1> `and` <#C2|deploys>');
  });

  it('wrap plain text whole, with backticks inside turned into quotes', () => {
    expect(code('apr-123')).toBe('`apr-123`');
    expect(code('a `b` c')).toBe("`a 'b' c`");
  });
});
