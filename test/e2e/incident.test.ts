import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { formatDuration } from '../../src/core/duration.ts';
import { hashOf } from '../../src/core/ids.ts';
import type { SimChannel, SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { auditRows, ephemeralsTo, seedCheckout } from '../support/approvals.ts';
import { incidentCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');
const INCIDENTS = 'C0INCIDENTS';
const ENG_LEADS = 'C0ENGLEADS1';

beforeAll(async () => {
  stack = await startStack({ catalogYaml: incidentCatalog() });
});

afterAll(async () => {
  await stack.close();
});

type Row = {
  id: string;
  setup: string;
  channel_id: string | null;
  channel_name: string | null;
  card_ts: string | null;
  status: string;
  severity: string;
  steps: Record<string, unknown>;
  clock_gen: number;
};

async function incident(id: string): Promise<Row | undefined> {
  return (await stack.bot.pool.query<Row>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
}

// Declares through the slash command and waits until the set-up job has finished every step.
async function declare(
  who: string,
  text: string,
  channel = 'general',
): Promise<{ row: Row; channel: SimChannel; triggerId: string }> {
  const answer = await stack.slack.command(who, `/incident declare ${text}`, { channel });
  expect(answer.status).toBe(200);
  const id = hashOf(`command:${answer.triggerId}`).slice(0, 16);
  const row = await eventually(
    async () => {
      const found = await incident(id);
      if (found?.setup !== 'done')
        throw new Error(`set-up is ${found?.setup ?? 'not started'}: ${JSON.stringify(answer.json)}`);
      return found;
    },
    { timeoutMs: 15_000, what: `the declaration of ${text}` },
  );
  return { row, channel: stack.sim.workspace.channels.get(row.channel_id!)!, triggerId: answer.triggerId };
}

function messagesIn(channel: string): SimMessage[] {
  return stack.sim.workspace.channelMessages(channel);
}

function mentioning(channel: string, text: string): SimMessage[] {
  return messagesIn(channel).filter(
    (message) => message.text.includes(text) || JSON.stringify(message.blocks).includes(text),
  );
}

type OpenedForm = { callback_id: string; private_metadata: string; blocks: { block_id?: string }[] };

// The form the bot opened (views.open) with this callback_id, for this incident or channel.
async function openedForm(callbackId: string, metadataNaming: string): Promise<OpenedForm> {
  return eventually(
    () => {
      const found = stack.sim
        .callsTo('views.open')
        .map((call) => (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as OpenedForm)
        .find((view) => view.callback_id === callbackId && view.private_metadata.includes(metadataNaming));
      if (!found) throw new Error(`no ${callbackId} opened`);
      return found;
    },
    { what: `the form ${callbackId}` },
  );
}

function ephemeralText(userId: string): string {
  return ephemeralsTo(stack, userId)
    .map((call) => `${String(call.args.text)} ${JSON.stringify(call.args.blocks ?? '')}`)
    .join('\n');
}

// Channels the bot actually created (name_taken answers are not channels).
function creates(): number {
  return stack.sim.callsTo('conversations.create').filter((call) => call.ok).length;
}

describe('/incident declare', () => {
  it('opens a channel with the right name, topic, people, bridge, pinned card, checklist and broadcasts', async () => {
    const { row, channel } = await declare('alice', 'P1 "Checkout errors!" --service checkout');
    const name = `inc-${today()}-checkout-errors`;
    expect(channel.name).toBe(name);
    expect(channel.purpose).toBe('Checkout errors!');
    expect(channel.topic).toBe(`P1 · investigating · no commander yet · bridge https://meet.example.com/${name}`);
    // declarer, and the P1 responders and on-call group (@oncall: bob, erin)
    expect([...channel.members].sort()).toEqual(['U0ALICE001', 'U0BOB00002', 'U0ERIN0005', 'U0OPSBOT01']);
    expect(channel.bookmarks).toEqual([
      expect.objectContaining({ title: 'Bridge', link: `https://meet.example.com/${name}` }),
    ]);
    expect([...channel.pins]).toEqual([row.card_ts]);
    const card = stack.sim.workspace.message(channel.id, row.card_ts!)!;
    const cardJson = JSON.stringify(card.blocks);
    for (const part of [
      'Checkout errors!',
      'investigating',
      'Acknowledge',
      'Change severity',
      'Post update',
      'Resolve',
      'Roll back checkout',
      'meet.example.com',
    ])
      expect(cardJson).toContain(part);
    expect(mentioning(channel.id, 'https://meet.example.com/').length).toBeGreaterThanOrEqual(2); // the bridge message and the card
    const checklist = messagesIn(channel.id).find((message) => JSON.stringify(message.blocks).includes('checkboxes'))!;
    expect(JSON.stringify(checklist.blocks)).toContain('Notify stakeholders');
    expect(mentioning(INCIDENTS, `<#${channel.id}>`)).toHaveLength(1);
    expect(mentioning(ENG_LEADS, `<#${channel.id}>`)).toHaveLength(1);
    expect(stack.sim.callsTo('conversations.list')).toHaveLength(0);
    await eventually(() => expect(ephemeralText('U0ALICE001')).toContain(`<#${channel.id}> is ready`));
    const audit = await auditRows(stack, "action = 'incident.declare'");
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'U0ALICE001', decision: 'accepted', target: `incident/${row.id}` }),
    ]);
  });

  it('takes the next name when one is taken, and a retried delivery declares nothing twice', async () => {
    stack.sim.workspace.addChannel(`inc-${today()}-db-down`, { members: ['U0CAROL003'] });
    const before = creates();
    const { channel, triggerId } = await declare('carol', 'P2 DB down');
    expect(channel.name).toBe(`inc-${today()}-db-down-2`);
    const retry = await stack.slack.command('carol', '/incident declare P2 DB down', { triggerId, retryNum: 1 });
    expect(retry.status).toBe(200);
    // the retry is acknowledged and dropped: one channel
    expect(creates() - before).toBe(1);
    expect(
      [...stack.sim.workspace.channels.values()].filter((candidate) =>
        candidate.name.startsWith(`inc-${today()}-db-down`),
      ),
    ).toHaveLength(2);
    // the P2 checklist comes from that severity's own list
    expect(JSON.stringify(messagesIn(channel.id).map((message) => message.blocks))).toContain('Find the failing query');
  });

  it('asks whether a near-identical title is the same incident: Join invites, Declare anyway declares once', async () => {
    const first = await declare('alice', 'P2 "search is slow"');
    const answer = await stack.slack.command('dave', '/incident declare P2 Search is slow', { channel: 'general' });
    expect(String(answer.json?.text)).toContain(`Is this the same as <#${first.channel.id}>`);
    const prompt = stack.sim.workspace.ephemerals.filter((message) => message.user === 'U0DAVE0004').at(-1)!;
    await stack.slack.click('dave', { messageTs: prompt.ts, actionId: 'incident_join' });
    await eventually(() => expect(first.channel.members.has('U0DAVE0004')).toBe(true));
    const before = creates();
    await Promise.all([
      stack.slack.click('dave', { messageTs: prompt.ts, actionId: 'incident_declare_anyway' }),
      stack.slack.click('dave', { messageTs: prompt.ts, actionId: 'incident_declare_anyway' }),
    ]);
    await eventually(() =>
      expect(
        [...stack.sim.workspace.channels.values()].filter((candidate) => candidate.name === `${first.channel.name}-2`),
      ).toHaveLength(1),
    );
    await eventually(async () =>
      expect(
        (
          await stack.bot.pool.query(
            "SELECT count(*)::int AS n FROM incidents WHERE title = 'Search is slow' AND setup = 'done'",
          )
        ).rows[0].n,
      ).toBe(1),
    );
    expect(creates() - before).toBe(1);
  });

  it('completes with one card and one pin when pins.add fails once', async () => {
    stack.sim.fail('pins.add', { error: 'internal_error' });
    const { row, channel } = await declare('bob', 'P2 "pins flaky"');
    expect([...channel.pins]).toEqual([row.card_ts]);
    expect(
      messagesIn(channel.id).filter((message) => JSON.stringify(message.blocks).includes(`incident:${row.id}:card`)),
    ).toHaveLength(1);
    expect(
      stack.sim
        .callsTo('pins.add')
        .filter((call) => call.args.channel === channel.id)
        .map((call) => call.ok),
    ).toEqual([false, true]);
  });
});

describe('the forms', () => {
  it('/incident declare with no arguments opens the form; submitting it declares', async () => {
    await stack.slack.command('erin', '/incident declare', { channel: 'general' });
    const form = await openedForm('incident_declare_modal', 'C0GENERAL01');
    expect(form.callback_id).toBe('incident_declare_modal');
    expect(form.blocks.map((block) => block.block_id)).toEqual(['title', 'severity', 'services', 'description']);
    const empty = await stack.slack.submitView('erin', {
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      values: {
        title: { value: { type: 'plain_text_input', value: ' ' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'P2' } } },
      },
    });
    expect(empty.json).toEqual({ response_action: 'errors', errors: { title: 'Give the incident a title.' } });
    await stack.slack.submitView('erin', {
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      values: {
        title: { value: { type: 'plain_text_input', value: 'Webhooks delayed' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'P2' } } },
        services: { value: { type: 'multi_static_select', selected_options: [{ value: 'checkout' }] } },
        description: { value: { type: 'plain_text_input', value: 'Partners report 10 minute delays.' } },
      },
    });
    const channel = await eventually(() => {
      const found = [...stack.sim.workspace.channels.values()].find(
        (candidate) => candidate.name === `inc-${today()}-webhooks-delayed`,
      );
      if (!found?.pins.size) throw new Error('not set up yet');
      return found;
    });
    const card = stack.sim.workspace.message(channel.id, [...channel.pins][0]!)!;
    expect(JSON.stringify(card.blocks)).toContain('Partners report 10 minute delays.');
    expect(JSON.stringify(card.blocks)).toContain('Roll back checkout');
  });

  it('Post update changes the status on the card and posts the update; a checklist tick lands on the timeline', async () => {
    const { row, channel } = await declare('dave', 'P2 "queue backlog growing"');
    await stack.slack.click('dave', { messageTs: row.card_ts!, actionId: 'incident_update' });
    const form = await openedForm('incident_update_modal', row.id);
    await stack.slack.submitView('dave', {
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      values: {
        status: { value: { type: 'static_select', selected_option: { value: 'identified' } } },
        text: { value: { type: 'plain_text_input', value: 'consumer stuck on a poison message' } },
      },
    });
    await eventually(() => expect(mentioning(channel.id, 'consumer stuck on a poison message')).toHaveLength(1));
    await eventually(() =>
      expect(JSON.stringify(stack.sim.workspace.message(channel.id, row.card_ts!)!.blocks)).toContain(
        ':large_yellow_circle: identified',
      ),
    );
    await eventually(() => expect(channel.topic.startsWith('P2 · identified')).toBe(true));
    const checklist = messagesIn(channel.id).find((message) => JSON.stringify(message.blocks).includes('checkboxes'))!;
    await stack.slack.click('dave', {
      messageTs: checklist.ts,
      actionId: 'incident_checklist',
      selectedOptions: [{ value: 'item-0' }],
    });
    await eventually(async () =>
      expect(
        (
          await stack.bot.pool.query(
            "SELECT text FROM incident_timeline WHERE incident_id = $1 AND kind = 'checklist'",
            [row.id],
          )
        ).rows.map((r) => r.text),
      ).toEqual(['Done: Find the failing query (<@U0DAVE0004>)']),
    );
    await eventually(() =>
      expect(JSON.stringify(stack.sim.workspace.message(channel.id, checklist.ts)!.blocks)).toContain(
        'initial_options',
      ),
    );
  });

  it('Change severity opens a form for the commander only; submitting it changes the card', async () => {
    const { row, channel } = await declare('carol', 'P3 "typo on the status page"');
    await stack.slack.click('dave', { messageTs: row.card_ts!, actionId: 'incident_severity' });
    await eventually(() => expect(ephemeralText('U0DAVE0004')).toContain('Only the commander'));
    await stack.slack.click('carol', { messageTs: row.card_ts!, actionId: 'incident_ack' });
    await eventually(() => expect(channel.topic).toContain('commander <@U0CAROL003>'));
    await stack.slack.click('carol', { messageTs: row.card_ts!, actionId: 'incident_severity' });
    const form = await openedForm('incident_severity_modal', row.id);
    await stack.slack.submitView('carol', {
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      values: { severity: { value: { type: 'static_select', selected_option: { value: 'P2' } } } },
    });
    await eventually(() => expect(channel.topic.startsWith('P2 · investigating')).toBe(true));
    expect(JSON.stringify(stack.sim.workspace.message(channel.id, row.card_ts!)!.blocks)).toContain(
      'P2 · typo on the status page',
    );
  });

  it('reports a step that keeps failing — in the channel once there is one, else to the declarer — and never drops it', async () => {
    // Jobs with a single attempt stand for the last of the real eight (whose backoff would take minutes).
    const runOnce = async (id: string, title: string) => {
      await stack.bot.pool.query(
        `INSERT INTO incidents (id, delivery_key, title, severity, status, declared_by, correlation_id, declared_at, last_update_at)
        VALUES ($1, $2, $3, 'P2', 'investigating', 'U0DAVE0004', 'c-stuck', now(), now())`,
        [id, `test:${id}`, title],
      );
      await stack.bot.queues.queue('incident-declare').add(
        'incident-declare',
        {
          correlationId: 'c-stuck',
          incidentId: id,
          requestedAt: new Date().toISOString(),
          requestedBy: { userId: 'U0DAVE0004' },
          channelId: 'C0GENERAL01',
        },
        { jobId: `incident-declare-${id}`, attempts: 1 },
      );
    };
    stack.sim.fail('conversations.create', { error: 'restricted_action' });
    await runOnce('5700c0000000000a', 'no channel possible');
    await eventually(() =>
      expect(ephemeralText('U0DAVE0004')).toContain(
        'could not create the channel for *no channel possible* after several tries (restricted_action)',
      ),
    );
    await eventually(async () => expect((await incident('5700c0000000000a'))!.setup).toBe('failed'));
    expect(JSON.stringify((await stack.slack.command('dave', '/incident list')).json)).not.toContain(
      'no channel possible',
    );

    stack.sim.fail('pins.add', { error: 'internal_error' });
    await runOnce('5700c0000000000b', 'pin refused');
    await eventually(async () => {
      const found = await incident('5700c0000000000b');
      if (!found?.channel_id) throw new Error('no channel yet');
      expect(mentioning(found.channel_id, 'could not pin the status card for *pin refused*')).toHaveLength(1);
    });
    await eventually(async () => expect((await incident('5700c0000000000b'))!.setup).toBe('done')); // the channel is live; the missing step was named
  });

  it('keeps going when Slack answers 429 with Retry-After', async () => {
    stack.sim.fail('conversations.create', { rateLimited: 1 });
    const { channel } = await declare('bob', 'P2 "rate limited declaration"');
    expect(channel.name).toBe(`inc-${today()}-rate-limited-declaration`);
    expect(stack.sim.callsTo('conversations.create').filter((call) => call.status === 429)).toHaveLength(1);
  });
});

describe('incident clocks', () => {
  it('escalates an unacknowledged P0 to the escalation group after its ack time', async () => {
    const { channel } = await declare('bob', 'P0 "everything is down"');
    const escalation = await eventually(
      () => {
        const found = mentioning(channel.id, 'Not acknowledged within 1s')[0];
        if (!found) throw new Error('no escalation yet');
        return found;
      },
      { timeoutMs: 10_000, what: 'the escalation' },
    );
    expect(escalation.text + JSON.stringify(escalation.blocks)).toContain('<!subteam^S0ENGLEADS1>');
    await eventually(() => expect(mentioning(ENG_LEADS, 'is not acknowledged after 1s')).toHaveLength(1));
    await eventually(() => expect(channel.members.has('U0FRANK006')).toBe(true)); // the escalation group is brought in
  });

  it('never posts into a channel someone archived by hand', async () => {
    const { row, channel } = await declare('bob', 'P0 "archived too early"');
    channel.archived = true;
    await eventually(
      async () =>
        expect(
          (await stack.bot.pool.query('SELECT archived_at FROM incidents WHERE id = $1', [row.id])).rows[0].archived_at,
        ).not.toBeNull(),
      { timeoutMs: 10_000, what: 'the escalation to find the channel archived' },
    );
    expect(mentioning(channel.id, 'Not acknowledged')).toHaveLength(0);
    const refusedBefore = stack.sim.calls.filter(
      (call) => call.error === 'is_archived' && call.args.channel === channel.id,
    ).length;
    expect(refusedBefore).toBe(1); // the one post that found out; nothing after
  });

  it('does not escalate once acknowledged: the ack clock is removed and the acknowledger becomes commander', async () => {
    const { row, channel } = await declare('erin', 'P1 "payments timing out"');
    const ackJob = row.steps['clock.ack'] as string;
    expect(await stack.bot.queues.queue('incident-clock').getJobState(ackJob)).toBe('delayed');
    await stack.slack.click('erin', { messageTs: row.card_ts!, actionId: 'incident_ack' });
    await eventually(async () =>
      expect(await stack.bot.queues.queue('incident-clock').getJobState(ackJob)).toBe('unknown'),
    );
    await eventually(() => expect(channel.topic).toContain('commander <@U0ERIN0005>'));
    await eventually(() =>
      expect(JSON.stringify(stack.sim.workspace.message(channel.id, row.card_ts!)!.blocks)).toContain("I'm commander"),
    );
    expect(mentioning(channel.id, 'Not acknowledged')).toHaveLength(0);
  });

  it('reschedules the clocks and announces a severity change P2 → P0', async () => {
    const { row, channel } = await declare('alice', 'P2 "cart totals wrong"');
    const denied = await stack.slack.command('dave', '/incident sev P0', { channel: channel.id });
    expect(String(denied.json?.text)).toContain('Only the commander');
    await stack.slack.command('frank', '/incident sev P0', { channel: channel.id }); // frank is an incident admin
    await eventually(() => expect(mentioning(channel.id, 'Severity P2 → *P0*')).toHaveLength(1));
    await eventually(() => expect(mentioning(INCIDENTS, 'Severity P2 → *P0*')).toHaveLength(1));
    await eventually(() => expect(mentioning(ENG_LEADS, 'Severity P2 → *P0*')).toHaveLength(1));
    // the new severity's clock: P0 escalates after 1 s
    await eventually(() => expect(mentioning(channel.id, 'Not acknowledged within 1s')).toHaveLength(1), {
      timeoutMs: 10_000,
    });
    expect((await incident(row.id))!.clock_gen).toBe(1);
    await eventually(() => expect(channel.topic.startsWith('P0 · investigating')).toBe(true));
    const audit = await auditRows(stack, "action = 'incident.severity' AND target = $1", [`incident/${row.id}`]);
    expect(audit).toEqual([expect.objectContaining({ actor: 'U0FRANK006', decision: 'accepted' })]);
  });

  it('reminds the commander when no update came for updateEvery', async () => {
    const { row, channel } = await declare('carol', 'P3 "slow admin page"');
    await stack.slack.click('carol', { messageTs: row.card_ts!, actionId: 'incident_ack' });
    await eventually(() => expect(mentioning(channel.id, '<@U0CAROL003> no status update for')).not.toHaveLength(0), {
      timeoutMs: 10_000,
    });
  });
});

describe('timeline and resolution', () => {
  it('records pinned messages and notes in order, resolves with a summary and postmortem, archives, and reopens', async () => {
    const { row, channel } = await declare('bob', 'P1 "orders stuck"');
    const said = stack.slack.say('carol', channel.id, 'error rate is 40% since the 14:02 deploy');
    await stack.slack.react('bob', { messageTs: said, reaction: 'pushpin' });
    await stack.slack.react('erin', { messageTs: said, reaction: 'pushpin' }); // a second pin of the same message adds nothing
    await eventually(async () =>
      expect(
        (
          await stack.bot.pool.query(
            "SELECT count(*)::int AS n FROM incident_timeline WHERE incident_id = $1 AND kind = 'pin'",
            [row.id],
          )
        ).rows[0].n,
      ).toBe(1),
    );
    const reply = stack.slack.say('erin', channel.id, 'the 14:02 deploy changed the DB pool size', said);
    await stack.slack.react('erin', { messageTs: reply, reaction: 'pushpin' }); // a reply in the thread
    await eventually(async () =>
      expect(
        (
          await stack.bot.pool.query(
            "SELECT count(*)::int AS n FROM incident_timeline WHERE incident_id = $1 AND kind = 'pin'",
            [row.id],
          )
        ).rows[0].n,
      ).toBe(2),
    );
    await stack.slack.command('bob', '/incident note rolled back checkout', { channel: channel.id });
    const timeline = await stack.slack.command('bob', '/incident timeline', { channel: channel.id });
    const text = JSON.stringify(timeline.json);
    expect(text.indexOf('error rate is 40%')).toBeGreaterThan(-1);
    expect(text.indexOf('error rate is 40%')).toBeLessThan(text.indexOf('DB pool size'));
    expect(text.indexOf('DB pool size')).toBeLessThan(text.indexOf('rolled back checkout'));
    expect(text).toContain('/archives/');

    // only the commander or an incident admin resolves
    const refused = await stack.slack.command('dave', '/incident resolve', { channel: channel.id });
    expect(String(refused.json?.text)).toContain('Only the commander');
    await stack.slack.click('bob', { messageTs: row.card_ts!, actionId: 'incident_ack' });
    await eventually(async () => expect((await incident(row.id))!.steps['ack.v1']).toBeDefined());
    await stack.slack.command('bob', '/incident resolve bad release, rolled back', { channel: channel.id });
    const summary = await eventually(
      () => {
        const found = mentioning(channel.id, 'Time to acknowledge')[0];
        if (!found) throw new Error('no summary yet');
        return found;
      },
      { what: 'the summary' },
    );
    const summaryText = JSON.stringify(summary.blocks);
    // the figures, from the stored times: acknowledge and resolve count from the declaration
    const times = (
      await stack.bot.pool.query<{ declared_at: Date; acknowledged_at: Date; resolved_at: Date }>(
        'SELECT declared_at, acknowledged_at, resolved_at FROM incidents WHERE id = $1',
        [row.id],
      )
    ).rows[0]!;
    expect(summaryText).toContain(
      `*Time to acknowledge*\\n${formatDuration(times.acknowledged_at.getTime() - times.declared_at.getTime())}`,
    );
    expect(summaryText).toContain(
      `*Time to resolve*\\n${formatDuration(times.resolved_at.getTime() - times.declared_at.getTime())}`,
    );
    expect(summaryText).toContain(
      `*Duration*\\n${formatDuration(times.resolved_at.getTime() - times.declared_at.getTime())}`,
    );
    // the archive is a delayed job, due archiveAfter (3 s) after the resolution
    const archiveJob = await eventually(async () => {
      const id = (await incident(row.id))!.steps['clock.archive'];
      if (typeof id !== 'string') throw new Error('no archive job yet');
      return (await stack.bot.queues.queue('incident-clock').getJob(id))!;
    });
    expect(archiveJob.data).toMatchObject({ clock: 'archive', due: times.resolved_at.getTime() + 3_000 });
    for (const part of [
      'Duration',
      'Time to resolve',
      'P1',
      'error rate is 40%',
      'rolled back checkout',
      'bad release, rolled back',
      '<@U0BOB00002>',
      '<@U0CAROL003>',
    ])
      expect(summaryText).toContain(part);
    const file = await eventually(() => {
      const found = [...stack.sim.workspace.files.values()].find((candidate) =>
        candidate.channels.includes(channel.id),
      );
      if (!found) throw new Error('no postmortem yet');
      return found;
    });
    expect(file.content).toContain('# Postmortem: orders stuck');
    expect(file.content).toContain('## Root cause');
    expect(file.content).toContain('@carol');
    await eventually(() => expect(mentioning(INCIDENTS, 'Resolved (P1)')).toHaveLength(1));
    await eventually(() => expect(channel.topic.startsWith('P1 · resolved')).toBe(true));
    expect(JSON.stringify(stack.sim.workspace.message(channel.id, row.card_ts!)!.blocks)).not.toContain(
      'incident_resolve',
    );

    // archived 3 s after the resolution, with a heads-up first; nothing is posted there afterwards
    await eventually(() => expect(channel.archived).toBe(true), { timeoutMs: 10_000, what: 'the archive' });
    expect(mentioning(channel.id, 'will be archived')).toHaveLength(1);
    expect(
      stack.sim.calls.filter((call) => call.error === 'is_archived' && call.args.channel === channel.id),
    ).toHaveLength(0);

    await stack.slack.command('bob', '/incident reopen', { channel: channel.id });
    await eventually(() => expect(channel.archived).toBe(false));
    await eventually(() => expect(mentioning(channel.id, 'Reopened by <@U0BOB00002>')).toHaveLength(1));
    expect((await incident(row.id))!.status).toBe('investigating');
    expect(
      (
        await auditRows(
          stack,
          "action IN ('incident.resolve', 'incident.reopen', 'incident.note', 'incident.pin') AND target = $1",
          [`incident/${row.id}`],
        )
      ).map((audit) => audit.action),
    ).toEqual(['incident.pin', 'incident.pin', 'incident.note', 'incident.resolve', 'incident.reopen']);
  });

  it('puts a deploy started from the incident channel on the timeline', async () => {
    seedCheckout(stack);
    const { row, channel } = await declare('bob', 'P2 "staging canary broken"');
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging', { channel: channel.id });
    await eventually(
      async () =>
        expect(
          (
            await stack.bot.pool.query(
              "SELECT text, actor FROM incident_timeline WHERE incident_id = $1 AND kind = 'action'",
              [row.id],
            )
          ).rows,
        ).toEqual([{ text: expect.stringContaining('deploy of checkout 1.1.0 to staging'), actor: 'U0BOB00002' }]),
      { timeoutMs: 15_000 },
    );
  });

  it('lets the declarer resolve while nobody has taken command (a false alarm)', async () => {
    const { channel } = await declare('carol', 'P3 "false alarm on the search dashboard"');
    await stack.slack.command('carol', '/incident resolve false alarm', { channel: channel.id });
    await eventually(() => expect(mentioning(channel.id, 'Time to acknowledge')).toHaveLength(1));
    expect(JSON.stringify(mentioning(channel.id, 'Time to acknowledge')[0]!.blocks)).toContain('never acknowledged');
  });

  it('lists open incidents with severity, age and commander', async () => {
    const answer = await stack.slack.command('guest', '/incident list');
    const text = JSON.stringify(answer.json);
    expect(text).toContain('Open incidents');
    expect(text).toContain('Checkout errors!');
    expect(text).toContain('declared');
  });
});

describe('bad input', () => {
  it.each([
    ['P5 "checkout errors"', 'is not a severity'],
    ['P1', 'needs a title'],
    [`P1 ${'x'.repeat(500)}`, '500 characters long'],
  ])('declare %s is refused with a clear message and creates nothing', async (text, expected) => {
    const before = creates();
    const rows = (await stack.bot.pool.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n as number;
    const answer = await stack.slack.command('alice', `/incident declare ${text}`);
    expect(String(answer.json?.text)).toContain(expected);
    expect(String(answer.json?.text)).toContain('/incident declare');
    expect(creates()).toBe(before);
    expect((await stack.bot.pool.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n).toBe(rows);
  });

  it('never lets a title ping @here: text people typed is escaped wherever it is posted', async () => {
    // Slack sends what the person typed HTML-escaped; the grammar decodes it, the views escape it again.
    const { row, channel } = await declare('alice', 'P3 "&lt;!here&gt; login &amp; signup broken"');
    // Everything Slack parses for mentions: message text and mrkdwn objects (plain_text never pings).
    const mrkdwn = (value: unknown): string[] =>
      Array.isArray(value)
        ? value.flatMap(mrkdwn)
        : value && typeof value === 'object'
          ? [
              ...((value as { type?: string }).type === 'mrkdwn' ? [String((value as { text?: string }).text)] : []),
              ...Object.values(value).flatMap(mrkdwn),
            ]
          : [];
    const posted = [...messagesIn(INCIDENTS), ...messagesIn(channel.id)]
      .flatMap((message) => [message.text, ...mrkdwn(message.blocks)])
      .join('\n');
    expect(posted).toContain('&lt;!here&gt; login &amp; signup broken');
    expect(posted).not.toContain('<!here>');
    expect(channel.purpose).toBe('<!here> login & signup broken'); // plain text, shown as typed
    expect((await stack.bot.pool.query('SELECT title FROM incidents WHERE id = $1', [row.id])).rows[0].title).toBe(
      '<!here> login & signup broken',
    );
  });

  it('refuses resolve outside an incident channel', async () => {
    const answer = await stack.slack.command('frank', '/incident resolve', { channel: 'deploys' });
    expect(String(answer.json?.text)).toContain('not an incident channel');
    expect(
      stack.sim.callsTo('conversations.archive').filter((call) => call.args.channel === 'C0DEPLOYS01'),
    ).toHaveLength(0);
  });
});
