import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { BOT_TOKEN, SIGNING_SECRET, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack.close();
});

describe('logs', () => {
  it('carry one correlation id from the Slack request through the queue to the last Web API call', async () => {
    await stack.slack.command('carol', '/ops whoami');
    await eventually(() => expect(stack.sim.callsTo('response_url')).toHaveLength(1));
    const rows = await eventually(async () => {
      const found = (
        await stack.bot.pool.query("SELECT correlation_id, job_id FROM audit_events WHERE action = 'ops.whoami'")
      ).rows;
      expect(found).toHaveLength(1);
      return found;
    });
    const correlationId = rows[0]!.correlation_id as string;

    const lines = await eventually(() => {
      const found = stack.logs.lines().filter((line) => line.correlationId === correlationId);
      expect(found.map((line) => line.msg)).toContain('job completed');
      return found;
    });
    const messages = lines.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'audit request accepted',
        'job started',
        'slack api call',
        'slack response_url post',
        'job completed',
      ]),
    );
    expect(lines.filter((line) => line.msg === 'slack api call').map((line) => line.method)).toEqual(
      expect.arrayContaining(['usergroups.list', 'usergroups.users.list']),
    );
    expect(lines.find((line) => line.msg === 'job started')?.jobId).toBe(rows[0]!.job_id);
    expect(lines.find((line) => line.audit === true)).toMatchObject({ actor: 'U0CAROL003', decision: 'accepted' });
  });

  it('never contain the bot token, the signing secret or a response_url', async () => {
    await stack.slack.command('alice', '/ops whoami');
    await stack.slack.command('alice', '/ops status', { signature: 'v0=forged' });
    await eventually(() => expect(stack.sim.callsTo('response_url').length).toBeGreaterThanOrEqual(2));
    const text = stack.logs.text();
    expect(text.length).toBeGreaterThan(1_000);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain('/_sim/respond/');
  });
});
