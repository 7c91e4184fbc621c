import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { metricValue, metricsText, totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack.close();
});

async function auditRows(where = 'TRUE', values: unknown[] = []) {
  return (await stack.bot.pool.query(`SELECT * FROM audit_events WHERE ${where} ORDER BY at, id`, values)).rows;
}

describe('signature verification', () => {
  it('refuses a forged signature and a stale timestamp with 401: no Web API call, no job, counted in /metrics', async () => {
    const callsBefore = stack.sim.calls.length;
    const jobsBefore = await totalJobs(stack.bot);
    const metricsBefore = metricValue(await metricsText(stack.bot), 'opsbot_slack_requests_total', {
      kind: 'unverified',
    });

    const forged = await stack.slack.command('alice', '/ops whoami', { signature: `v0=${'0'.repeat(64)}` });
    const stale = await stack.slack.command('alice', '/ops whoami', {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });

    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    expect(stack.sim.calls.length).toBe(callsBefore);
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(metricValue(await metricsText(stack.bot), 'opsbot_slack_requests_total', { kind: 'unverified' })).toBe(
      metricsBefore + 2,
    );
  });
});

describe('retried deliveries', () => {
  it('turns the same slash command delivered three times into exactly one job and one reply', async () => {
    const triggerId = '1700000000.123456.deadbeefdeadbeefdeadbeefdeadbeef';
    const jobsBefore = await totalJobs(stack.bot);

    const first = await stack.slack.command('bob', '/ops whoami', { triggerId });
    const second = await stack.slack.command('bob', '/ops whoami', { triggerId, retryNum: 1 });
    const third = await stack.slack.command('bob', '/ops whoami', { triggerId, retryNum: 2 });

    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(first.json?.text).toContain('job whoami-');
    expect(second.body).toBe('');
    expect(third.body).toBe('');
    await eventually(() =>
      expect(stack.sim.callsTo('response_url').filter((call) => call.args.user === 'U0BOB00002')).toHaveLength(1),
    );
    expect(await totalJobs(stack.bot)).toBe(jobsBefore + 1);
    await eventually(async () =>
      expect(await auditRows("actor = 'U0BOB00002' AND action = 'ops.whoami'")).toHaveLength(1),
    );
  });
});

describe('/ops status', () => {
  it('lists a job that was enqueued for you, and shows one job by id with its state', async () => {
    const jobId = await stack.bot.queues.enqueue(
      'whoami',
      'whoami-0123456789abcdef',
      {
        correlationId: 'c-test',
        requestedBy: { userId: 'U0DAVE0004' },
        command: '/ops whoami',
        requestedAt: new Date().toISOString(),
      },
      { delayMs: 3_600_000 },
    );

    const mine = await stack.slack.command('dave', '/ops status');
    const one = await stack.slack.command('erin', `/ops status ${jobId}`);
    const missing = await stack.slack.command('erin', '/ops status whoami-ffffffffffffffff');

    expect(mine.json?.text).toContain(jobId);
    expect(mine.json?.text).toContain('delayed');
    expect(one.json?.text).toBe(`Job ${jobId}: delayed`);
    expect(JSON.stringify(one.json?.blocks)).toContain('<@U0DAVE0004>');
    expect(missing.json?.text).toContain('There is no job whoami-ffffffffffffffff');
  });
});

const MALFORMED: [string, string][] = [
  ['/ops', 'frobnicate'],
  ['/ops', 'status not-a-job'],
  ['/ops', 'status a b'],
  ['/ops', 'whoami extra'],
  ['/ops', 'cancel'],
  ['/ops', 'help nonsense'],
  ['/ops', 'audit --since forever'],
  ['/ops', 'audit --until 7d'],
  ['/ops', 'help --verbose'],
  ['/ops', '"unclosed'],
  ['/ops', `${'x'.repeat(10_240)}`],
  ['/ops', 'status\u0000'],
  ['/ops', 'help\u001b[31m'],
  ['/ops', '\u007f'],
  ['/ops', 'stätus'],
  ['/ops', '状态'],
  ['/ops', '🚀 deploy'],
  ['/ops', '; rm -rf /'],
  ['/ops', '$(reboot)'],
  ['/ops', '`id`'],
  ['/ops', 'status | cat /etc/passwd'],
  ['/ops', 'status && shutdown'],
  ['/ops', '--'],
  ['/ops', '-h'],
  ['/ops', 'history check_out'],
  ['/deploy', ''],
  ['/deploy', 'checkout'],
  ['/deploy', 'checkout 1.4.2'],
  ['/deploy', 'checkout to production'],
  ['/deploy', 'check_out 1.4.2 to staging'],
  ['/deploy', 'checkout 1.4.2; rm -rf / to staging'],
  ['/deploy', 'checkout $(whoami) to staging'],
  ['/deploy', 'checkout 1.4.2 to staging --force'],
  ['/deploy', 'checkout 1.4.2 to staging --strategy yolo'],
  ['/deploy', 'checkout 1.4.2 to staging --reason'],
  ['/deploy', 'checkout 1.4.2 to staging extra words'],
  ['/deploy', 'checkout 1.4.2 to staging --dry-run=yes'],
  ['/deploy', 'history checkout'],
  ['/deploy', 'history checkout production --limit 0'],
  ['/deploy', 'history checkout production --limit 1000'],
  ['/rollback', ''],
  ['/rollback', 'checkout'],
  ['/rollback', 'checkout production --to ../../etc'],
  ['/backup', ''],
  ['/backup', 'verify bad--id'],
  ['/backup', 'list'],
  ['/restore', 'only-one-arg'],
  ['/incident', ''],
  ['/incident', 'declare P9 fire'],
  ['/incident', 'declare P1'],
];

describe('malformed command text', () => {
  it('has fifty cases', () => {
    expect(MALFORMED).toHaveLength(50);
  });

  it('gets an ephemeral usage error naming the problem for each, enqueues nothing and audits each refusal', async () => {
    const jobsBefore = await totalJobs(stack.bot);
    const refusedBefore = (await auditRows("decision = 'refused'")).length;
    for (const [command, text] of MALFORMED) {
      const answer = await stack.slack.command('alice', `${command} ${text}`);
      expect({ command, text: text.slice(0, 40), status: answer.status, type: answer.json?.response_type }).toEqual({
        command,
        text: text.slice(0, 40),
        status: 200,
        type: 'ephemeral',
      });
      expect(String(answer.json?.text)).toMatch(/:warning:|^[^\n]+\n/);
      expect(String(answer.json?.text).length).toBeLessThan(3_001);
    }
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    await eventually(async () =>
      expect((await auditRows("decision = 'refused'")).length).toBe(refusedBefore + MALFORMED.length),
    );
  });

  it('names the bad token and shows usage', async () => {
    const answer = await stack.slack.command('alice', '/ops frobnicate');
    expect(answer.json?.text).toContain('`frobnicate` is not a /ops subcommand');
    expect(answer.json?.text).toContain('/ops status [job]');
  });
});

describe('the audit log', () => {
  it('has a row for each accepted and each refused request, with actor, team, channel, text, decision and correlation id', async () => {
    await stack.slack.command('frank', '/ops help');
    await stack.slack.command('frank', '/ops nope');
    const rows = await eventually(async () => {
      const found = await auditRows("actor = 'U0FRANK006'");
      expect(found).toHaveLength(2);
      return found;
    });
    expect(rows.map((row) => [row.command, row.decision, row.action])).toEqual([
      ['/ops help', 'accepted', 'ops.help'],
      ['/ops nope', 'refused', 'ops'],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ team: 'T0SANDBOX1', channel: 'C0DEPLOYS01', event: 'request' });
      expect(row.correlation_id).toMatch(/^c-[0-9a-z]{12}$/);
      expect(row.at).toBeInstanceOf(Date);
    }
    expect(rows[1]!.reason).toContain('`nope` is not a /ops subcommand');
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(stack.bot.pool.query("UPDATE audit_events SET decision = 'accepted'")).rejects.toThrow(
      'audit_events is append-only: UPDATE is not allowed',
    );
    await expect(stack.bot.pool.query('DELETE FROM audit_events')).rejects.toThrow('append-only: DELETE');
    await expect(stack.bot.pool.query('TRUNCATE audit_events')).rejects.toThrow('append-only: TRUNCATE');
  });
});
