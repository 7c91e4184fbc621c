import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCommand } from '../../src/core/grammar/commands.ts';
import { tokenize } from '../../src/core/grammar/tokenize.ts';
import { UserError } from '../../src/core/user-error.ts';

function refusal(command: string, text: string): UserError {
  try {
    parseCommand(command, text);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`"${command} ${text}" was accepted`);
}

describe('tokenize', () => {
  it('keeps quoted text together, including smart quotes from phones', () => {
    expect(tokenize('a "b c" “d e” ‘f g’').tokens.map((token) => token.text)).toEqual(['a', 'b c', 'd e', 'f g']);
  });

  it('turns an autocorrected em dash back into --', () => {
    expect(tokenize('—dry-run').tokens[0]!.text).toBe('--dry-run');
  });

  it('decodes the HTML entities Slack puts in command text', () => {
    expect(tokenize('a&amp;b &lt;x&gt;').tokens.map((token) => token.text)).toEqual(['a&b', '<x>']);
  });

  it('names an unclosed double quote and a control character by position', () => {
    expect(() => tokenize('deploy "oops')).toThrow('position 8');
    expect(() => tokenize('ab\u0007c')).toThrow('U+0007');
  });

  it('reads a lone apostrophe as text', () => {
    expect(tokenize("it's 'til noon").tokens.map((token) => token.text)).toEqual(["it's", "'til", 'noon']);
  });
});

describe('/deploy', () => {
  it('reads service, version and environment, with or without "to"', () => {
    const withTo = parseCommand('/deploy', 'checkout 1.4.2 to production --reason "fix tax" --dry-run');
    expect(withTo).toEqual({
      command: 'deploy',
      sub: 'run',
      service: 'checkout',
      version: '1.4.2',
      env: 'production',
      reason: 'fix tax',
      dryRun: true,
    });
    expect(parseCommand('/deploy', 'checkout 1.4.2 staging')).toMatchObject({ env: 'staging', dryRun: false });
  });

  it('accepts a sha256 digest and --flag=value', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseCommand('/deploy', `search ${digest} to staging --strategy=canary`)).toMatchObject({
      version: digest,
      strategy: 'canary',
    });
  });

  it('reads catalog names whatever their case (catalog names are lowercase)', () => {
    expect(parseCommand('/deploy', 'Checkout 1.4.2 to Production')).toMatchObject({
      service: 'checkout',
      version: '1.4.2',
      env: 'production',
    });
  });

  it('reads history with a limit', () => {
    expect(parseCommand('/deploy', 'history checkout production --limit 5')).toEqual({
      command: 'deploy',
      sub: 'history',
      service: 'checkout',
      env: 'production',
      limit: 5,
    });
  });

  it.each([
    ['', 'What should be deployed'],
    ['checkout', 'Which version'],
    ['checkout 1.4.2', 'To which environment'],
    ['checkout to production', 'Which version'],
    ['check_out 1.4.2 to staging', 'Service `check_out` is not a valid service name'],
    ['checkout 1.4.2! to staging', 'Version `1.4.2!` is not a valid version'],
    ['checkout 1.4.2 to staging --strategy blue', 'is not a strategy'],
    ['checkout 1.4.2 to staging --force', '`--force` is not a flag /deploy knows'],
    ['checkout 1.4.2 to staging --reason', '`--reason` needs a value'],
    ['checkout 1.4.2 to staging --dry-run --dry-run', 'given twice'],
    ['checkout 1.4.2 to staging now', 'Unexpected `now`'],
    ['checkout 1.4.2 to staging -f', '`-f` is not a flag'],
  ])('refuses %j: %s', (text, message) => {
    const error = refusal('/deploy', text);
    expect(error.message).toContain(message);
    expect(error.hint).toContain('/deploy <service> <version>');
  });
});

describe('/rollback, /backup, /restore', () => {
  it('reads --to as a revision number or a version', () => {
    expect(parseCommand('/rollback', 'checkout production --to 11')).toMatchObject({ to: { revision: 11 } });
    expect(parseCommand('/rollback', 'checkout production --to 1.4.1')).toMatchObject({ to: { version: '1.4.1' } });
  });

  it('reads the backup subcommands', () => {
    expect(parseCommand('/backup', 'orders --reason "before migration"')).toEqual({
      command: 'backup',
      sub: 'run',
      database: 'orders',
      reason: 'before migration',
    });
    expect(parseCommand('/backup', 'list orders')).toEqual({
      command: 'backup',
      sub: 'list',
      database: 'orders',
      limit: 10,
    });
    expect(parseCommand('/backup', 'verify ledger-20261123-071500-a1b2c3 --plan')).toEqual({
      command: 'backup',
      sub: 'verify',
      backupId: 'ledger-20261123-071500-a1b2c3',
      plan: true,
    });
  });

  it('refuses backup ids that break RDS identifier rules', () => {
    expect(refusal('/backup', 'verify orders--x').message).toContain('not a valid backup id');
    expect(refusal('/backup', 'verify orders-').message).toContain('not a valid backup id');
  });

  it('reads /restore with or without "to"', () => {
    expect(parseCommand('/restore', 'orders-20261123-071500-a1b2c3 to orders-restored')).toMatchObject({
      backupId: 'orders-20261123-071500-a1b2c3',
      target: 'orders-restored',
    });
    expect(refusal('/restore', 'orders-20261123-071500-a1b2c3').message).toContain('NEW instance');
  });
});

describe('/incident', () => {
  it('takes the title verbatim, quoted or not', () => {
    expect(parseCommand('/incident', 'declare P1 "checkout errors"')).toEqual({
      command: 'incident',
      sub: 'declare',
      severity: 'P1',
      title: 'checkout errors',
      services: [],
    });
    expect(parseCommand('/incident', 'declare p0 checkout is down --service checkout')).toEqual({
      command: 'incident',
      sub: 'declare',
      severity: 'P0',
      title: 'checkout is down',
      services: ['checkout'],
    });
  });

  it('opens the modal when declare has no arguments', () => {
    expect(parseCommand('/incident', 'declare')).toEqual({ command: 'incident', sub: 'declare', services: [] });
  });

  it.each([
    ['a bad severity', 'declare P5 outage', 'is not a severity'],
    ['no title', 'declare P1', 'needs a title'],
    ['an empty quoted title', 'declare P1 ""', 'needs a title'],
    ['a title of spaces', 'declare P1 "   "', 'needs a title'],
    ['a 500-character title', `declare P1 ${'x'.repeat(500)}`, 'characters long'],
    ['an unknown subcommand', 'frobnicate', 'is not a /incident subcommand'],
  ])('refuses %s', (_label, text, message) => {
    expect(refusal('/incident', text).message).toContain(message);
  });
});

describe('/ops', () => {
  it('reads the look-ups: pods, events and logs with their bounded flags', () => {
    expect(parseCommand('/ops', 'pods checkout Production')).toEqual({
      command: 'ops',
      sub: 'pods',
      service: 'checkout',
      env: 'production',
    });
    expect(parseCommand('/ops', 'events checkout staging')).toMatchObject({ sub: 'events', service: 'checkout' });
    expect(parseCommand('/ops', 'logs checkout staging')).toEqual({
      command: 'ops',
      sub: 'logs',
      service: 'checkout',
      env: 'staging',
      tail: 100,
    });
    expect(parseCommand('/ops', 'logs checkout staging --pod checkout-7d9f-x2 --since 10m --tail 500')).toMatchObject({
      pod: 'checkout-7d9f-x2',
      sinceMs: 600_000,
      tail: 500,
    });
    expect(() => parseCommand('/ops', 'logs checkout staging --tail 0')).toThrow('must be at least 1');
    expect(() => parseCommand('/ops', 'logs checkout staging --since 25h')).toThrow('goes back at most 24h');
    expect(() => parseCommand('/ops', 'pods checkout')).toThrow('Which service and environment?');
    expect(() => parseCommand('/ops', 'pods checkout staging --tail 5')).toThrow('takes no flags');
  });

  it('reads every subcommand', () => {
    expect(parseCommand('/ops', '')).toEqual({ command: 'ops', sub: 'help' });
    expect(parseCommand('/ops', 'help deploy')).toEqual({ command: 'ops', sub: 'help', topic: 'deploy' });
    expect(parseCommand('/ops', 'whoami')).toEqual({ command: 'ops', sub: 'whoami' });
    expect(parseCommand('/ops', 'status deploy-3f9a2c71d0e4b5a6')).toEqual({
      command: 'ops',
      sub: 'status',
      jobId: 'deploy-3f9a2c71d0e4b5a6',
    });
    expect(parseCommand('/ops', 'audit production --since 1d')).toEqual({
      command: 'ops',
      sub: 'audit',
      filter: 'production',
      sinceMs: 86_400_000,
    });
    expect(parseCommand('/ops', 'cancel deploy-3f9a2c71d0e4b5a6')).toEqual({
      command: 'ops',
      sub: 'cancel',
      jobId: 'deploy-3f9a2c71d0e4b5a6',
      leave: false,
    });
    expect(parseCommand('/ops', 'cancel deploy-3f9a2c71d0e4b5a6 --leave')).toEqual({
      command: 'ops',
      sub: 'cancel',
      jobId: 'deploy-3f9a2c71d0e4b5a6',
      leave: true,
    });
    expect(refusal('/ops', 'status --leave').message).toBe('`/ops status` takes no flags.');
  });

  it('reads history: one optional service or environment and --since, 24h by default, at most 90d', () => {
    expect(parseCommand('/ops', 'history')).toEqual({ command: 'ops', sub: 'history', sinceMs: 86_400_000 });
    expect(parseCommand('/ops', 'history checkout')).toEqual({
      command: 'ops',
      sub: 'history',
      scope: 'checkout',
      sinceMs: 86_400_000,
    });
    expect(parseCommand('/ops', 'history staging --since 30m')).toEqual({
      command: 'ops',
      sub: 'history',
      scope: 'staging',
      sinceMs: 1_800_000,
    });
    expect(parseCommand('/ops', 'history --since 90d')).toEqual({
      command: 'ops',
      sub: 'history',
      sinceMs: 90 * 86_400_000,
    });
    const tooLong = refusal('/ops', 'history --since 91d');
    expect(tooLong.message).toBe('`/ops history --since` goes back at most 90d.');
    expect(tooLong.hint).toContain('/ops history [service|env] [--since 24h]');
    expect(refusal('/ops', 'history --since yesterday').message).toBe(
      '--since `yesterday` is not a duration: use e.g. 12h, 7d or 30d (at most 90d).',
    );
    expect(refusal('/ops', 'history --since 1y').message).toContain('(at most 90d)');
    expect(refusal('/ops', 'history --since 0d').message).toBe('--since `0d` is no time at all: use e.g. 1h or 7d.');
    expect(refusal('/ops', 'history checkout --leave').message).toBe('`/ops history` takes only `--since`.');
    expect(refusal('/ops', 'history checkout staging').code).toBeDefined();
  });

  it('reads stats: one optional service or environment and --since, 30d by default, at most 90d', () => {
    expect(parseCommand('/ops', 'stats')).toEqual({ command: 'ops', sub: 'stats', sinceMs: 30 * 86_400_000 });
    expect(parseCommand('/ops', 'stats production --since 7d')).toEqual({
      command: 'ops',
      sub: 'stats',
      scope: 'production',
      sinceMs: 7 * 86_400_000,
    });
    const tooLong = refusal('/ops', 'stats --since 91d');
    expect(tooLong.message).toBe('`/ops stats --since` goes back at most 90d.');
    expect(tooLong.hint).toContain('/ops stats [service|env] [--since 30d]');
    expect(refusal('/ops', 'stats --since soon').message).toBe(
      '--since `soon` is not a duration: use e.g. 12h, 7d or 30d (at most 90d).',
    );
    expect(refusal('/ops', 'stats checkout --leave').message).toBe('`/ops stats` takes only `--since`.');
    expect(refusal('/ops', 'stats checkout staging').code).toBeDefined();
  });

  it('names an unknown subcommand and shows usage', () => {
    const error = refusal('/ops', 'frobnicate now');
    expect(error.message).toBe(
      '`frobnicate` is not a /ops subcommand (try help, whoami, status, history, stats, audit, freeze, cancel, pods, events, logs).',
    );
    expect(error.hint).toContain('/ops whoami');
  });
});

describe('any text at all', () => {
  it('either parses or is refused with a UserError that names the problem', () => {
    const commands = ['/deploy', '/rollback', '/backup', '/restore', '/incident', '/ops'];
    fc.assert(
      fc.property(
        fc.constantFrom(...commands),
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          fc
            .array(
              fc.constantFrom(
                'checkout',
                '1.4.2',
                'to',
                'production',
                '--reason',
                '"',
                'x y',
                '--dry-run',
                'history',
                'P1',
                'declare',
                '—',
                '&amp;',
                '\u0000',
              ),
            )
            .map((words) => words.join(' ')),
        ),
        (command, text) => {
          try {
            parseCommand(command, text);
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            expect((error as UserError).message.length).toBeGreaterThan(10);
            expect((error as UserError).message.length).toBeLessThan(400);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
