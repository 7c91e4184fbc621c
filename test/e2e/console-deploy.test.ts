import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { ConsoleServer } from '../../src/sandbox/console/server.ts';
import { seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
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
if (missing) process.stdout.write(`console-deploy: ${missing}\n`);
const describeIfChromium = missing ? describe.skip : describe;

// The README's production deploy, played in the console as a person would: carol asks, frank
// approves by button, alice by the ✅ reaction, and the progress message turns to success. Every
// assertion reads the rendered page.
describeIfChromium('the console: a production deploy with two approvals', () => {
  let stack: Stack;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog() });
    seedCheckout(stack, '1.4.1');
    server = await startConsole(stack.sim);
    browser = await launchChromium();
    page = await openConsole(browser, server.url, 'carol', 'deploys');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stack?.close();
  });

  const approvalRequest = () => page.locator('#messages .message', { hasText: 'checkout 1.4.2 to production' }).first();

  it('carol asks from the composer and sees the approval request with its buttons and her ephemeral reply', async () => {
    await command(page, '/deploy checkout 1.4.2 to production --reason "fix tax rounding"');
    await approvalRequest().locator('button', { hasText: 'Approve' }).waitFor();
    await expect(approvalRequest().locator('button.primary', { hasText: 'Approve' }).count()).resolves.toBe(1);
    await page.locator('.message.ephemeral', { hasText: 'Only visible to you' }).first().waitFor();
    await screenshot(page, 'deploy-1-requested');
    expect(await pageError(page)).toBeUndefined();
  });

  it('frank approves by the button; the request shows his approval', async () => {
    await actAs(page, 'frank');
    await approvalRequest().locator('button', { hasText: 'Approve' }).click();
    await approvalRequest().getByText('@frank').first().waitFor();
    await screenshot(page, 'deploy-2-one-approval');
    expect(await pageError(page)).toBeUndefined();
  });

  it('alice approves by the ✅ reaction, and the progress message updates to success', async () => {
    await actAs(page, 'alice');
    await approvalRequest().locator('.reaction[data-name="white_check_mark"]').click();
    await approvalRequest().locator('.reaction.mine[data-name="white_check_mark"]').waitFor();
    const progress = page
      .locator('#messages .message', { hasText: /checkout.*production/ })
      .filter({ hasText: 'succeeded' });
    await progress.first().waitFor({ timeout: 30_000 });
    await expect(progress.first().textContent()).resolves.toContain('1.4.2');
    await screenshot(page, 'deploy-3-succeeded');
    expect(await pageError(page)).toBeUndefined();
  }, 45_000);

  it('carol cancels another request from the button in her ephemeral reply', async () => {
    await actAs(page, 'carol');
    await command(page, '/deploy checkout 1.4.3 to production --reason "try again"');
    const reply = page.locator('.message.ephemeral', { hasText: 'Waiting for approval' }).last();
    await reply.locator('button', { hasText: 'Cancel request' }).click();
    const request = page.locator('#messages .message', { hasText: 'checkout 1.4.3 to production' }).first();
    await request.getByText('Cancelled by @carol').waitFor({ timeout: 15_000 });
    expect(await pageError(page)).toBeUndefined();
  });
});
