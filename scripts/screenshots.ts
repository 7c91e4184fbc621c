// `npm run screenshots`: the README's two console pictures, taken from a real run. It starts the bot
// with the simulators in process (a fresh Redis prefix and database, dropped at the end), plays a
// production approval and an incident in the console with Chromium, and writes docs/screenshots/.
import type { Page } from 'playwright-core';
import { seedCheckout } from '../test/support/approvals.ts';
import { incidentCatalog } from '../test/support/catalogs.ts';
import {
  actAs,
  chromiumMissing,
  command,
  launchChromium,
  openConsole,
  screenshot,
  startConsole,
} from '../test/support/console-page.ts';
import { eventually } from '../test/support/eventually.ts';
import { startStack, type Stack } from '../test/support/stack.ts';

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;

// carol asks for production; frank approves by the button: one approval of two, the request waiting.
async function approval(page: Page): Promise<void> {
  await command(page, '/deploy checkout 1.4.2 to production --reason "fix tax rounding"');
  const request = page.locator('#messages .message', { hasText: 'checkout 1.4.2 to production' }).first();
  await actAs(page, 'frank');
  await request.locator('button', { hasText: 'Approve' }).click();
  await request.getByText('@frank').first().waitFor();
  await actAs(page, 'carol');
  await page.locator('#messages .message.ephemeral').last().waitFor();
  await page.mouse.move(0, 0);
  console.log(await screenshot(page, 'production-approval', OUT));
}

// carol declares from #general; bob acknowledges and ticks the first checklist items.
async function incident(page: Page, stack: Stack): Promise<void> {
  await page.locator('#channels .channel[data-channel="general"]').click();
  await command(page, '/incident declare P1 "Checkout errors after 1.4.2" --service checkout');
  await page.locator('#channels .channel[data-channel^="inc-"]').click({ timeout: 15_000 });
  await actAs(page, 'bob');
  const card = page.locator('#messages .message', { has: page.locator('button', { hasText: 'Post update' }) });
  await card.locator('button', { hasText: 'Acknowledge' }).click();
  await page.locator('#channel-header .topic', { hasText: 'commander @bob' }).waitFor({ timeout: 15_000 });
  const checklist = page.locator('#messages .message', { has: page.locator('.checkbox-group') }).first();
  for (const item of ['Assess scope and impact', 'Notify stakeholders']) {
    const updates = stack.sim.callsTo('chat.update').length;
    await checklist.getByText(item).click();
    // The bot redraws the checklist with the tick (the page shows its own tick at once).
    await eventually(() => stack.sim.callsTo('chat.update').length > updates || Promise.reject(new Error('no redraw')));
  }
  await page.mouse.move(0, 0);
  console.log(await screenshot(page, 'incident-channel', OUT));
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing.replace('skipped: ', ''));
  const stack = await startStack({ catalogYaml: incidentCatalog().replace('archiveAfter: 3s', 'archiveAfter: 7d') });
  const server = await startConsole(stack.sim);
  const browser = await launchChromium();
  try {
    seedCheckout(stack, '1.4.1');
    const page = await openConsole(browser, server.url, 'carol', 'deploys');
    await approval(page);
    await incident(page, stack);
  } finally {
    await browser.close();
    await server.stop();
    await stack.close();
  }
}

await main();
