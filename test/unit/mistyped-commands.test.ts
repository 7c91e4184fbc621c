import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadCatalog } from '../../src/config/catalog-load.ts';
import { vocabularyOf, type Vocabulary } from '../../src/core/grammar/catalog-words.ts';
import { parseCommand } from '../../src/core/grammar/commands.ts';
import { closestWord, editDistance } from '../../src/core/suggest.ts';
import { UserError } from '../../src/core/user-error.ts';
import { EXAMPLE_CATALOG } from '../support/stack.ts';

// Mistyped commands as people type them, against the example catalog (services checkout, storefront,
// search; environments staging, production; databases orders, analytics, ledger). Each row: the line,
// the word the reply must blame (the first `quoted` word of the reply), the suggestion ('' for none)
// and the reply's first line exactly. The same list is in docs/decisions/0023-mistyped-commands.md.
const MISTYPED: [line: string, blames: string, suggests: string, reply: string][] = [
  [
    '/deploy histroy checkout staging',
    'histroy',
    'history',
    '`histroy` is not a /deploy subcommand. Did you mean `history`?',
  ],
  ['/deploy hsitory checkout', 'hsitory', 'history', '`hsitory` is not a /deploy subcommand. Did you mean `history`?'],
  [
    '/deploy chekout 1.4.2 to staging',
    'chekout',
    'checkout',
    'There is no service `chekout` in the catalog. Did you mean `checkout`?',
  ],
  [
    '/deploy checkout 1.4.2 to prod',
    'prod',
    'production',
    'There is no environment `prod` in the catalog. Did you mean `production`?',
  ],
  [
    '/deploy checkout 1.4.2 to stagign',
    'stagign',
    'staging',
    'There is no environment `stagign` in the catalog. Did you mean `staging`?',
  ],
  [
    '/deploy checkout 1.4.2 staging --reson "x"',
    '--reson',
    '--reason',
    '`--reson` is not a flag /deploy knows. Did you mean `--reason`?',
  ],
  [
    '/deploy checkout 1.4.2 staging --dryrun',
    '--dryrun',
    '--dry-run',
    '`--dryrun` is not a flag /deploy knows. Did you mean `--dry-run`?',
  ],
  [
    '/deploy checkout 1.4.2 staging --stratgy canary',
    '--stratgy',
    '--strategy',
    '`--stratgy` is not a flag /deploy knows. Did you mean `--strategy`?',
  ],
  [
    '/deploy checkout 1.4.2 staging --strategy canery',
    'canery',
    'canary',
    '--strategy `canery` is not a strategy: use rolling, bluegreen or canary (did you mean `canary`?).',
  ],
  [
    '/deploy history chekout staging',
    'chekout',
    'checkout',
    'There is no service `chekout` in the catalog. Did you mean `checkout`?',
  ],
  [
    '/deploy history checkout stagng',
    'stagng',
    'staging',
    'There is no environment `stagng` in the catalog. Did you mean `staging`?',
  ],
  [
    '/deploy history checkout staging --limt 5',
    '--limt',
    '--limit',
    '`--limt` is not a flag /deploy knows. Did you mean `--limit`?',
  ],
  [
    '/rollback chekout production',
    'chekout',
    'checkout',
    'There is no service `chekout` in the catalog. Did you mean `checkout`?',
  ],
  [
    '/rollback checkout prodution',
    'prodution',
    'production',
    'There is no environment `prodution` in the catalog. Did you mean `production`?',
  ],
  ['/rollback checkout production --to 0', '0', '', '--to `0` is not a revision: revisions are whole numbers from 1.'],
  [
    '/rollback checkout production --to -3',
    '-3',
    '',
    '--to `-3` is not a revision: revisions are whole numbers from 1.',
  ],
  [
    '/rollback checkout production --reson x',
    '--reson',
    '--reason',
    '`--reson` is not a flag /rollback knows. Did you mean `--reason`?',
  ],
  [
    '/rollback checkout production --too 3',
    '--too',
    '--to',
    '`--too` is not a flag /rollback knows. Did you mean `--to`?',
  ],
  ['/backup lsit orders', 'lsit', 'list', '`lsit` is not a /backup subcommand. Did you mean `list`?'],
  ['/backup lsit x', 'lsit', 'list', '`lsit` is not a /backup subcommand. Did you mean `list`?'],
  [
    '/backup verfy ledger-20261123-071500-a1b2c3',
    'verfy',
    'verify',
    '`verfy` is not a /backup subcommand. Did you mean `verify`?',
  ],
  ['/backup ordrs', 'ordrs', 'orders', 'There is no database `ordrs` in the catalog. Did you mean `orders`?'],
  ['/backup ordrs now', 'ordrs', 'orders', 'There is no database `ordrs` in the catalog. Did you mean `orders`?'],
  ['/backup list ordrs', 'ordrs', 'orders', 'There is no database `ordrs` in the catalog. Did you mean `orders`?'],
  [
    '/backup orders --reasn x',
    '--reasn',
    '--reason',
    '`--reasn` is not a flag /backup knows. Did you mean `--reason`?',
  ],
  [
    '/backup list orders --limt 3',
    '--limt',
    '--limit',
    '`--limt` is not a flag /backup knows. Did you mean `--limit`?',
  ],
  ['/backup lsit', 'lsit', 'list', '`lsit` is not a /backup subcommand. Did you mean `list`?'],
  ['/backup foo bar', 'foo', '', '`foo` is not a /backup subcommand (try list, verify).'],
  [
    '/restore orders-20261123-071500-a1b2c3 to orders-restored --reson x',
    '--reson',
    '--reason',
    '`--reson` is not a flag /restore knows. Did you mean `--reason`?',
  ],
  [
    '/restore orders-20261123-071500-a1b2c3 to orders-restored --break-glas x',
    '--break-glas',
    '--break-glass',
    '`--break-glas` is not a flag /restore knows. Did you mean `--break-glass`?',
  ],
  [
    '/incident delcare P1 "x" --service checkout',
    'delcare',
    'declare',
    '`delcare` is not a /incident subcommand. Did you mean `declare`?',
  ],
  [
    '/incident declare P1 "x" --servce checkout',
    '--servce',
    '--service',
    '`--servce` is not a flag /incident knows. Did you mean `--service`?',
  ],
  [
    '/incident declare P1 "x" --service chekout',
    'chekout',
    'checkout',
    'There is no service `chekout` in the catalog; nothing was declared. Did you mean `checkout`?',
  ],
  ['/incident sevrity P0', 'sevrity', 'severity', '`sevrity` is not a /incident subcommand. Did you mean `severity`?'],
  ['/incident resolv done', 'resolv', 'resolve', '`resolv` is not a /incident subcommand. Did you mean `resolve`?'],
  ['/incident tiemline', 'tiemline', 'timeline', '`tiemline` is not a /incident subcommand. Did you mean `timeline`?'],
  ['/ops histroy', 'histroy', 'history', '`histroy` is not a /ops subcommand. Did you mean `history`?'],
  ['/ops stauts', 'stauts', 'status', '`stauts` is not a /ops subcommand. Did you mean `status`?'],
  ['/ops stat', 'stat', 'stats', '`stat` is not a /ops subcommand. Did you mean `stats`?'],
  ['/ops pod checkout staging', 'pod', 'pods', '`pod` is not a /ops subcommand. Did you mean `pods`?'],
  ['/ops evnets checkout staging', 'evnets', 'events', '`evnets` is not a /ops subcommand. Did you mean `events`?'],
  [
    '/ops logs checkout staging --tial 5',
    '--tial',
    '--tail',
    '`--tial` is not a flag /ops knows. Did you mean `--tail`?',
  ],
  [
    '/ops history chekout',
    'chekout',
    'checkout',
    'There is no service or environment `chekout` in the catalog. Did you mean `checkout`?',
  ],
  ['/ops history --snce 3d', '--snce', '--since', '`--snce` is not a flag /ops knows. Did you mean `--since`?'],
  ['/ops help deplyo', 'deplyo', 'deploy', 'There is no command `deplyo` to explain. Did you mean `deploy`?'],
  [
    '/ops freeze prod',
    'prod',
    'production',
    'There is no environment `prod` in the catalog. Did you mean `production`?',
  ],
  ['/ops cancle deploy-abcdef123456', 'cancle', 'cancel', '`cancle` is not a /ops subcommand. Did you mean `cancel`?'],
  ['/ops whoamii', 'whoamii', 'whoami', '`whoamii` is not a /ops subcommand. Did you mean `whoami`?'],
  [
    '/deploy checkout 1.4.2 staging -reason x',
    '-reason',
    '--reason',
    '`-reason` is not a flag /deploy knows. Did you mean `--reason`?',
  ],
  [
    '/rollback serach staging',
    'serach',
    'search',
    'There is no service `serach` in the catalog. Did you mean `search`?',
  ],
  [
    '/rollback checkout production --to abc!',
    'abc!',
    '',
    '--to `abc!` is neither a revision number (1, 2, …) nor a version (an image tag such as 1.4.2).',
  ],
  [
    '/rollback checkout production --to 99999999999999999999',
    '99999999999999999999',
    '',
    '--to `99999999999999999999` is not a revision: revisions are whole numbers from 1.',
  ],
  [
    '/rollback checkout prod --reason x',
    'prod',
    'production',
    'There is no environment `prod` in the catalog. Did you mean `production`?',
  ],
  [
    '/restore orders-20261123-071500-a1b2c3 to orders-restored --brake-glass x',
    '--brake-glass',
    '--break-glass',
    '`--brake-glass` is not a flag /restore knows. Did you mean `--break-glass`?',
  ],
  [
    '/restore orders-20261123-071500-a1b2c3 to orders-restored now',
    'now',
    '',
    'Unexpected `now`: /restore takes a backup id and a new target name.',
  ],
  ['/incident nots rolled back', 'nots', 'note', '`nots` is not a /incident subcommand. Did you mean `note`?'],
  ['/incident reopn', 'reopn', 'reopen', '`reopn` is not a /incident subcommand. Did you mean `reopen`?'],
  ['/incident lst', 'lst', 'list', '`lst` is not a /incident subcommand. Did you mean `list`?'],
  ['/ops audti', 'audti', 'audit', '`audti` is not a /ops subcommand. Did you mean `audit`?'],
  [
    '/ops stats storefrnt',
    'storefrnt',
    'storefront',
    'There is no service or environment `storefrnt` in the catalog. Did you mean `storefront`?',
  ],
  [
    '/ops cancel deploy-abcdef123456 --leav',
    '--leav',
    '--leave',
    '`--leav` is not a flag /ops knows. Did you mean `--leave`?',
  ],
  [
    '/ops frobnicate',
    'frobnicate',
    '',
    '`frobnicate` is not a /ops subcommand (try help, whoami, status, history, stats, audit, freeze, cancel, pods, events, logs).',
  ],
  [
    '/backup verify ledger-20261123-071500-a1b2c3 --paln',
    '--paln',
    '--plan',
    '`--paln` is not a flag /backup knows. Did you mean `--plan`?',
  ],
  [
    '/backup analytcs --reason x',
    'analytcs',
    'analytics',
    'There is no database `analytcs` in the catalog. Did you mean `analytics`?',
  ],
  ['/backup list ledgr', 'ledgr', 'ledger', 'There is no database `ledgr` in the catalog. Did you mean `ledger`?'],
];

let words: Vocabulary;

beforeAll(async () => {
  words = vocabularyOf(await loadCatalog(EXAMPLE_CATALOG));
});

function replyTo(line: string): UserError {
  const [command, ...rest] = line.split(' ');
  try {
    parseCommand(command!, rest.join(' '), words);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`"${line}" was accepted`);
}

describe('a mistyped command', () => {
  it('covers all six commands, at least 40 lines', () => {
    expect(MISTYPED.length).toBeGreaterThanOrEqual(40);
    const commands = new Set(MISTYPED.map(([line]) => line.split(' ')[0]));
    expect([...commands].sort()).toEqual(['/backup', '/deploy', '/incident', '/ops', '/restore', '/rollback']);
  });

  it.each(MISTYPED)('%s blames `%s`, suggests %j', (line, blames, suggests, reply) => {
    const error = replyTo(line);
    expect(error.message).toBe(reply);
    expect(/`([^`]+)`/.exec(error.message)?.[1]).toBe(blames);
    if (suggests === '') expect(error.message).not.toMatch(/did you mean/i);
    else expect(error.message.toLowerCase()).toContain(`did you mean \`${suggests}\`?`);
  });
});

describe('names in another case', () => {
  it.each([
    ['/deploy', 'Checkout 1.4.2 to Production', { service: 'checkout', env: 'production' }],
    ['/rollback', 'checkout PRODUCTION', { service: 'checkout', env: 'production' }],
    ['/backup', 'list Orders', { database: 'orders' }],
    ['/ops', 'freeze Staging', { env: 'staging' }],
    ['/incident', 'declare P1 "x" --service Search', { services: ['search'] }],
  ])('%s %s reads the catalog name', (command, text, expected) => {
    expect(parseCommand(command, text, words)).toMatchObject(expected);
  });
});

describe('a name that is close to a subcommand but is in the catalog', () => {
  it('is read as the name', () => {
    const history = { ...words, services: [...words.services, 'histroy'] };
    expect(parseCommand('/deploy', 'histroy 1.0.0 staging', history)).toMatchObject({ service: 'histroy' });
    const lists = { ...words, databases: [...words.databases, 'lsit'] };
    expect(parseCommand('/backup', 'lsit', lists)).toMatchObject({ sub: 'run', database: 'lsit' });
  });
});

describe('edit distance', () => {
  it('counts a swap of two neighbouring letters as one edit', () => {
    expect(editDistance('lsit', 'list')).toBe(1);
    expect(editDistance('histroy', 'history')).toBe(1);
    expect(editDistance('chekout', 'checkout')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only what is close, preferring the closest, and a start of three letters or more', () => {
    expect(closestWord('stat', ['status', 'stats'])).toBe('stats');
    expect(closestWord('prod', ['staging', 'production'])).toBe('production');
    expect(closestWord('xyz', ['sev', 'list'])).toBeUndefined();
    expect(closestWord('frobnicate', ['help', 'status', 'history'])).toBeUndefined();
    expect(closestWord('DEPLYO', ['deploy'])).toBe('deploy');
  });
});
