import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OffsetClock } from '../../src/core/clock.ts';
import { approvalMessage, ephemeralsTo, seedCheckout } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// The sandbox's clock offset, moved the way the CLI and the console move it (POST /_sim/clock on the
// simulator), reaching the bot's freeze check on signed slash commands. The example catalog freezes
// production from 16:00 to 08:00 Europe/Berlin on Fridays, Saturdays and Sundays.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ clock: new OffsetClock() });
  seedCheckout(stack);
});

afterAll(async () => {
  await stack.close();
});

async function setClock(body: Record<string, unknown>) {
  const response = await fetch(`${stack.sim.url}/_sim/clock`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as { ok: boolean; now?: string; error?: string } };
}

describe("the sandbox's clock", () => {
  it('enters the weekend freeze: a production deploy is refused, naming the freeze and when it ends', async () => {
    const set = await setClock({ at: '2026-12-05 20:00 Europe/Berlin' });
    expect(set.status).toBe(200);
    expect(Date.parse(set.json.now!)).toBeGreaterThanOrEqual(Date.parse('2026-12-05T19:00:00Z'));
    const answer = await stack.slack.command('bob', '/deploy checkout 1.1.0 to production --reason "clock test"');
    expect(answer.json?.text).toContain('The freeze "weekend" is in force until ');
    const freeze = await stack.slack.command('bob', '/ops freeze');
    expect(freeze.json?.text).toContain('*production* is frozen (weekend) until');
  });

  it('leaves it: the same deploy is allowed and its approval expires by the shifted clock', async () => {
    const set = await setClock({ at: '2026-12-08 10:00 Europe/Berlin' });
    expect(set.status).toBe(200);
    const answer = await stack.slack.command('bob', '/deploy checkout 1.1.0 to production --reason "clock test"');
    expect(answer.json?.text).toMatch(/job `?plan-/);
    const message = await approvalMessage(stack, '1.1.0');
    // 09:00 UTC on the shifted clock, plus the example catalog's 30 minutes (the real clock would say otherwise).
    expect(JSON.stringify(message.blocks)).toMatch(/not the requester, expires 09:3[01] UTC/);
    // Past 09:30 UTC on the shifted clock, though not in real time, an approval comes too late.
    await setClock({ at: '2026-12-08 10:45 Europe/Berlin' });
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(() =>
      expect(
        ephemeralsTo(stack, 'U0CAROL003').some((call) => String(call.args.text).includes('This request has expired')),
      ).toBe(true),
    );
  });

  it('goes back to real time with "now", and refuses a time it cannot read', async () => {
    const reset = await setClock({ at: 'now' });
    expect(Math.abs(Date.parse(reset.json.now!) - Date.now())).toBeLessThan(60_000);
    const wrong = await setClock({ at: 'next tuesday' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toContain('2026-12-24 10:00 Europe/Berlin');
  });
});
