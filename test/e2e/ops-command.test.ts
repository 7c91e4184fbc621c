import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack.close();
});

describe('/ops help', () => {
  it('answers a signed request with the usage of every command', async () => {
    const answer = await stack.slack.command('alice', '/ops help');

    expect(answer.status).toBe(200);
    expect(answer.json?.response_type).toBe('ephemeral');
    for (const command of ['/deploy', '/rollback', '/backup', '/restore', '/incident', '/ops'])
      expect(answer.json?.text).toContain(command);
    expect(answer.json?.text).toContain('/deploy checkout 1.4.2 to production');
  });
});

describe('/ops whoami', () => {
  it('becomes a job whose worker answers through the response_url with groups and roles', async () => {
    const answer = await stack.slack.command('carol', '/ops whoami');

    expect(answer.status).toBe(200);
    expect(answer.json?.text).toMatch(/job whoami-[0-9a-f]{16}/);
    const reply = await eventually(() => {
      const posted = stack.sim.callsTo('response_url').find((call) => call.args.user === 'U0CAROL003');
      if (!posted) throw new Error('no reply yet');
      return posted;
    });
    expect(reply.args.replace_original).toBe(true);
    expect(String(reply.args.text)).toContain('@sre-leads');
    expect(stack.sim.callsTo('usergroups.list').length).toBeGreaterThan(0);
    expect(stack.sim.callsTo('usergroups.users.list').length).toBeGreaterThan(0);
  });
});

describe('/metrics', () => {
  it('counts requests and times acks by command, and counts jobs by kind and outcome with queue depth', async () => {
    await stack.slack.command('dave', '/ops whoami');
    await eventually(() =>
      expect(stack.sim.callsTo('response_url').some((call) => call.args.user === 'U0DAVE0004')).toBe(true),
    );
    const text = await eventually(async () => {
      const scraped = await (await fetch(`${stack.bot.url}/metrics`)).text();
      expect(scraped).toMatch(/opsbot_jobs_total\{kind="whoami",outcome="completed"\} [1-9]/);
      return scraped;
    });
    expect(text).toMatch(/opsbot_slack_requests_total\{kind="command",name="\/ops whoami",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/opsbot_slack_ack_seconds_count\{name="\/ops whoami"\} [1-9]/);
    // The ack is timed into the histogram (how fast is the benchmarks' business, not this test's).
    expect(text).toMatch(/opsbot_slack_ack_seconds_bucket\{le="\+Inf",name="\/ops help"\} [1-9]/);
    expect(text).toMatch(/opsbot_queue_jobs\{kind="whoami",state="completed"\} [1-9]/);
    expect(text).toMatch(/opsbot_slack_api_calls_total\{method="usergroups.list",outcome="ok"\} [1-9]/);
  });
});
