import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { ConsoleServer } from '../../src/sandbox/console/server.ts';
import { testCatalog } from '../support/catalogs.ts';
import { actAs, chromiumMissing, command, launchChromium, openConsole, startConsole } from '../support/console-page.ts';
import { startStack, type Stack } from '../support/stack.ts';

const missing = chromiumMissing();
if (missing) process.stdout.write(`console-page: ${missing}\n`);
const describeIfChromium = missing ? describe.skip : describe;

const MRKDWN = [
  '*bold* _italic_ ~gone~ `a < b` &lt;script&gt;alert(1)&lt;/script&gt; &amp; more',
  '<@U0BOB00002> in <#C0DEPLOYS01|deploys>, <https://example.com/x|a link>, <javascript:alert(1)|not a link>',
  ':rocket: :no_such_emoji: <!date^1700000000^{date_num}|a fallback> <!date^1700000000^{nonsense}|the fallback>',
  '&gt; a quoted line',
  '```line one\n<b>not bold</b>```',
].join('\n');

// How the page draws what the simulator holds, and who sees what: messages put straight into the
// simulated workspace (as the bot would post them), read back from the rendered page.
describeIfChromium('the console page', () => {
  let stack: Stack;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog() });
    const workspace = stack.sim.workspace;
    const post = (fields: { text: string; blocks?: unknown[]; threadTs?: string; ts?: string }) => {
      const ts = fields.ts ?? workspace.nextTs();
      workspace.messages.push({
        ts,
        channel: 'C0GENERAL01',
        botId: workspace.botId,
        text: fields.text,
        blocks: fields.blocks ?? [],
        reactions: new Map(),
        ...(fields.threadTs ? { threadTs: fields.threadTs } : {}),
      });
      return ts;
    };
    post({ text: 'fallback', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: MRKDWN } }] });
    const parent = post({ text: 'the thread starts here' });
    post({ text: 'a reply in the thread', threadTs: parent });
    post({
      text: 'a dangerous button',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'something_dangerous',
              text: { type: 'plain_text', text: 'Delete it' },
              style: 'danger',
              confirm: {
                title: { type: 'plain_text', text: 'Delete the backup?' },
                text: { type: 'mrkdwn', text: 'It cannot be *undone*.' },
                confirm: { type: 'plain_text', text: 'Delete' },
                deny: { type: 'plain_text', text: 'Keep it' },
              },
            },
          ],
        },
        { type: 'shiny_new_block' },
      ],
    });
    workspace.ephemerals.push({
      ts: workspace.nextTs(),
      channel: 'C0GENERAL01',
      user: 'U0BOB00002',
      text: 'for bob only',
      blocks: [],
      via: 'chat.postEphemeral',
    });
    server = await startConsole(stack.sim);
    browser = await launchChromium();
    page = await openConsole(browser, server.url, 'alice', 'general');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stack?.close();
  });

  const mrkdwnMessage = () => page.locator('#messages .message', { hasText: 'bold' }).first().locator('.blocks');

  it('draws mrkdwn as elements, with entities unescaped as text and nothing from the text run as markup', async () => {
    const message = mrkdwnMessage();
    await expect(message.locator('b').first().textContent()).resolves.toBe('bold');
    await expect(message.locator('i').first().textContent()).resolves.toBe('italic');
    await expect(message.locator('s').first().textContent()).resolves.toBe('gone');
    await expect(message.locator('code').first().textContent()).resolves.toBe('a < b');
    const text = (await message.textContent()) ?? '';
    expect(text).toContain('<script>alert(1)</script> & more');
    await expect(page.locator('#messages script').count()).resolves.toBe(0);
    expect(text).toContain('@bob in #deploys');
    await expect(message.locator('a').getAttribute('href')).resolves.toBe('https://example.com/x');
    await expect(message.locator('a').count()).resolves.toBe(1);
    expect(text).toContain('not a link');
    expect(text).toContain('🚀 :no_such_emoji: 2023-11-14 the fallback');
    await expect(message.locator('blockquote').textContent()).resolves.toBe('a quoted line');
    await expect(message.locator('pre').textContent()).resolves.toBe('line one\n<b>not bold</b>');
  });

  it('shows a thread reply under its parent, in the thread pane, not in the channel', async () => {
    await expect(page.locator('#messages .message', { hasText: 'a reply in the thread' }).count()).resolves.toBe(0);
    await page.locator('#messages .message', { hasText: 'the thread starts here' }).locator('.replies').click();
    await page.locator('#thread-messages .message', { hasText: 'a reply in the thread' }).waitFor();
  });

  it('asks a button’s confirm question first; denying closes the dialog', async () => {
    await page.locator('button', { hasText: 'Delete it' }).click();
    const dialog = page.locator('.confirm-dialog');
    await dialog.getByText('Delete the backup?').waitFor();
    await expect(dialog.locator('b').textContent()).resolves.toBe('undone');
    await dialog.locator('button', { hasText: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('draws an unknown block type as a visible "unsupported" box', async () => {
    await page.locator('.unsupported', { hasText: 'unsupported: block shiny_new_block' }).waitFor();
  });

  it('toggles a reaction as the current person', async () => {
    const message = page.locator('#messages .message', { hasText: 'the thread starts here' });
    await message.locator('.reaction.add[data-name="eyes"]').click();
    await message.locator('.reaction.mine[data-name="eyes"]', { hasText: '1' }).waitFor();
    await actAs(page, 'carol');
    await message.locator('.reaction[data-name="eyes"]:not(.mine)').click();
    await message.locator('.reaction.mine[data-name="eyes"]', { hasText: '2' }).click();
    await message.locator('.reaction:not(.mine)[data-name="eyes"]', { hasText: '1' }).waitFor();
  });

  it('shows an ephemeral message only to its person', async () => {
    await actAs(page, 'carol');
    await expect(page.locator('#messages .message', { hasText: 'for bob only' }).count()).resolves.toBe(0);
    await actAs(page, 'bob');
    await page.locator('.message.ephemeral', { hasText: 'for bob only' }).getByText('Only visible to you').waitFor();
  });

  it('shows each person only their own forms, and refuses another person submitting one', async () => {
    server.modals.observe({
      ...{ seq: 0, at: 0, method: 'views.open', ok: true, status: 200 },
      args: {
        trigger_id: server.modals.newTrigger('U0DAVE0004'),
        view: { type: 'modal', callback_id: 'x', title: { type: 'plain_text', text: "Dave's form" }, blocks: [] },
      },
      result: { view: { id: 'VDAVEFORM1' } },
    });
    await actAs(page, 'dave');
    await page.locator('.modal-title', { hasText: "Dave's form" }).waitFor();
    await actAs(page, 'guest');
    await page.locator('.modal').waitFor({ state: 'detached' });
    const response = await fetch(`${server.url}api/submit`, {
      method: 'POST',
      body: JSON.stringify({ as: 'guest', viewId: 'VDAVEFORM1', values: {} }),
    });
    expect(((await response.json()) as { error: string }).error).toBe('that form is not open for guest');
    await actAs(page, 'dave');
    await page.locator('.modal-title', { hasText: "Dave's form" }).waitFor();
    await page.locator('.modal button', { hasText: 'Cancel' }).click();
    await page.locator('.modal').waitFor({ state: 'detached' });
  });

  it('answers a mistyped command as Slack does, at once and without the bot', async () => {
    const before = stack.sim.lastSeq;
    await actAs(page, 'alice');
    await command(page, '/deploi checkout 1.4.2 to staging');
    const reply = page.locator('.message.ephemeral', { hasText: 'is not a valid command' });
    await reply.getByText('Did you mean /deploy?').waitFor();
    await expect(reply.locator('.author').textContent()).resolves.toBe('Slackbot');
    await expect(page.locator('#error').isVisible()).resolves.toBe(false);
    expect(stack.sim.callsSince(before)).toEqual([]);
  });

  it("opens the person's Home tab from the sidebar, as the bot publishes it", async () => {
    await actAs(page, 'carol');
    await page.locator('#channels li[data-channel="home"]').click();
    await page.locator('#messages', { hasText: 'Waiting for your approval' }).waitFor();
    await page.locator('#messages', { hasText: 'Open incidents' }).waitFor();
    await page.locator('#channels li[data-channel="general"]').click();
    await page.locator('#messages .message', { hasText: 'the thread starts here' }).waitFor();
  });

  it('answers /favicon.ico without a 404', async () => {
    expect((await fetch(`${server.url}favicon.ico`)).status).toBe(204);
  });

  it('refuses a malformed action with the reason, and shows a failed one in the page', async () => {
    const response = await fetch(`${server.url}api/say`, { method: 'POST', body: JSON.stringify({ as: 'bob' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/channel/);
    const stranger = await openConsole(browser, server.url, 'nobody', 'general');
    await stranger.fill('#composer-input', 'hello');
    await stranger.press('#composer-input', 'Enter');
    await stranger.locator('#error', { hasText: 'no such user in the simulated workspace: nobody' }).waitFor();
    await stranger.close();
  });
});
