import { describe, expect, it } from '@jest/globals';
import { parseCommand } from '../../src/core/grammar/commands.ts';

describe('the preview flags', () => {
  it('reads /rollback --dry-run, and leaves it out when not given', () => {
    expect(parseCommand('/rollback', 'checkout production --to 1.4.1 --dry-run')).toMatchObject({
      command: 'rollback',
      to: { version: '1.4.1' },
      dryRun: true,
    });
    expect(parseCommand('/rollback', 'checkout production')).not.toHaveProperty('dryRun');
  });

  it('reads /restore --plan', () => {
    expect(parseCommand('/restore', 'orders-20261123-071500-a1b2c3 to orders-copy --plan')).toMatchObject({
      command: 'restore',
      target: 'orders-copy',
      plan: true,
    });
  });
});
