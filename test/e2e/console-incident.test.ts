import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { ConsoleServer } from '../../src/sandbox/console/server.ts';
import {
  actAs,
  chromiumMissing,
  command,
  launchChromium,
  openConsole,
  pageError,
  screenshot,
  startConsole,
} from '../support/console-page.ts';
import { startStack, type Stack } from '../support/stack.ts';

const missing = chromiumMissing();
if (missing) process.stdout.write(`console-incident: ${missing}\n`);
const describeIfChromium = missing ? describe.skip : describe;

// The README's incident, in the console: declared from #general, acknowledged on the card, a
// checklist item ticked, resolved by the commander, and the summary drawn in the channel.
describeIfChromium('the console: an incident from declaration to summary', () => {
  let stack: Stack;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack();
    server = await startConsole(stack.sim);
    browser = await launchChromium();
    page = await openConsole(browser, server.url, 'carol', 'general');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stack?.close();
  });

  // The pinned card: its buttons change (Acknowledge becomes I'm commander), Post update stays until resolved.
  const card = () => page.locator('#messages .message', { has: page.locator('button', { hasText: 'Post update' }) });
  const checklist = () => page.locator('#messages .message', { has: page.locator('.checkbox-group') }).first();

  it('carol declares; the incident channel appears live with its topic, bookmark, pinned card and checklist', async () => {
    await command(page, '/incident declare P1 "Checkout errors" --service checkout');
    const channel = page.locator('#channels .channel[data-channel^="inc-"]');
    await channel.waitFor({ timeout: 15_000 });
    await channel.click();
    await page.locator('#channel-header .topic', { hasText: 'investigating' }).waitFor({ timeout: 15_000 });
    await page.locator('#channel-header .bookmark', { hasText: 'Bridge' }).waitFor();
    await page.locator('#channel-header .pins summary', { hasText: '1 pinned' }).waitFor();
    await card().first().waitFor();
    await checklist().getByText('Notify stakeholders').waitFor();
    expect(await pageError(page)).toBeUndefined();
  });

  it('bob acknowledges on the card and becomes the commander', async () => {
    await actAs(page, 'bob');
    await card().first().locator('button', { hasText: 'Acknowledge' }).click();
    await page.locator('#channel-header .topic', { hasText: 'commander @bob' }).waitFor({ timeout: 15_000 });
    await page.locator('#messages .message', { hasText: '@bob acknowledged and is the commander' }).waitFor();
    expect(await pageError(page)).toBeUndefined();
  });

  it('bob ticks a checklist item; the tick stays after the bot redraws the list', async () => {
    await checklist().getByText('Notify stakeholders').click();
    await page.locator('#messages .checkbox-group input[value]:checked').first().waitFor({ timeout: 15_000 });
    await expect(checklist().locator('input:checked').count()).resolves.toBe(1);
    await screenshot(page, 'incident-1-acknowledged');
    expect(await pageError(page)).toBeUndefined();
  });

  it('bob posts an update through the form the bot opens; the card shows the new status', async () => {
    await card().first().locator('button', { hasText: 'Post update' }).click();
    const form = page.locator('.modal[data-callback-id="incident_update_modal"]');
    await form.waitFor();
    await form.locator('select[data-block-id="status"]').selectOption('identified');
    await form.locator('[data-block-id="text"]').fill('bad release found, rolling back');
    await form.locator('button', { hasText: /Post|Submit/ }).click();
    await form.waitFor({ state: 'detached' });
    await page.locator('#channel-header .topic', { hasText: 'identified' }).waitFor({ timeout: 15_000 });
    await page.locator('#messages .message', { hasText: 'bad release found, rolling back' }).first().waitFor();
    expect(await pageError(page)).toBeUndefined();
  });

  it('bob resolves, and the summary shows the times and the resolution', async () => {
    await command(page, '/incident resolve bad release, rolled back');
    const summary = page.locator('#messages .message', { hasText: 'Time to acknowledge' });
    await summary.first().waitFor({ timeout: 20_000 });
    const text = await summary.first().textContent();
    expect(text).toContain('Summary: bad release, rolled back');
    // the tick reached the bot: it is on the timeline
    expect(text).toContain('Done: Notify stakeholders (@bob)');
    await page.locator('#channel-header .topic', { hasText: 'resolved' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'incident-2-resolved');
    expect(await pageError(page)).toBeUndefined();
  }, 30_000);
});
