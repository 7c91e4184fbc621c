import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage, seedCheckout } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Mistyped commands through real signed HTTP, real Bolt, Redis and PostgreSQL, against the example
// catalog: the reply is ephemeral, blames the word that is wrong and suggests the right one, and
// nothing is enqueued, posted or audited as a change. The whole table is test/unit/mistyped-commands.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  seedCheckout(stack);
});

afterAll(async () => {
  await stack.close();
});

describe('a mistyped command', () => {
  it.each([
    ['/deploy histroy checkout staging', '`histroy` is not a /deploy subcommand. Did you mean `history`?'],
    ['/backup lsit orders', '`lsit` is not a /backup subcommand. Did you mean `list`?'],
    ['/deploy chekout 1.4.2 to staging', 'There is no service `chekout` in the catalog. Did you mean `checkout`?'],
    ['/rollback checkout production --to 0', '--to `0` is not a revision: revisions are whole numbers from 1.'],
    ['/deploy checkout 1.4.2 staging --reson "fix"', '`--reson` is not a flag /deploy knows. Did you mean `--reason`?'],
    ['/incident delcare P1 "checkout down"', '`delcare` is not a /incident subcommand. Did you mean `declare`?'],
    ['/restore orders-20261123-071500-a1b2c3 to orders-2 --brake-glass "x"', 'Did you mean `--break-glass`?'],
    ['/ops stauts', '`stauts` is not a /ops subcommand. Did you mean `status`?'],
  ])('%s is answered privately, naming the word, and starts nothing', async (line, reply) => {
    const jobs = await totalJobs(stack.bot);
    const posts = stack.sim.callsTo('chat.postMessage').length;
    const answer = await stack.slack.command('bob', line);
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(String(answer.json?.text)).toContain(reply);
    expect(await totalJobs(stack.bot)).toBe(jobs);
    expect(stack.sim.callsTo('chat.postMessage')).toHaveLength(posts);
    const rows = await eventually(async () => {
      const found = await auditRows(stack, 'command = $1', [line]);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(rows.map((row) => row.decision)).toEqual(['refused']);
    expect(String(rows[0]!.reason)).toContain(reply);
  });
});

describe('an environment typed with a capital', () => {
  it('is the catalog environment: the deploy runs in staging', async () => {
    const answer = await stack.slack.command('bob', '/deploy checkout 1.4.2 to Staging');
    expect(String(answer.json?.text)).not.toContain('is not a valid');
    await eventually(() => expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.4.2`));
    const rows = await auditRows(stack, "command = '/deploy checkout 1.4.2 to Staging' AND decision = 'accepted'");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.target).toBe('checkout/staging');
  });
});
