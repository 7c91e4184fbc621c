import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { OffsetClock } from '../../src/core/clock.ts';
import type { ConsoleServer } from '../../src/sandbox/console/server.ts';
import { playScenes } from '../../src/sandbox/scenes/setup.ts';
import { seedCheckout } from '../support/approvals.ts';
import {
  chromiumMissing,
  command,
  launchChromium,
  openConsole,
  pageError,
  startConsole,
} from '../support/console-page.ts';
import { productionFreeze } from '../support/example-freeze.ts';
import { startStack, type Stack } from '../support/stack.ts';

const missing = chromiumMissing();
if (missing) process.stdout.write(`console-clock: ${missing}\n`);
const describeIfChromium = missing ? describe.skip : describe;

// The console's clock control takes the example catalog's production into its weekend freeze and
// out again, and its scene menu plays a scene with its narration: all read from the rendered page.
describeIfChromium('the console: the sandbox clock and the scene menu', () => {
  let stack: Stack;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  const clock = new OffsetClock();

  beforeAll(async () => {
    stack = await startStack({ clock });
    seedCheckout(stack, '1.4.1');
    playScenes(stack.sim, stack.kube, await productionFreeze());
    server = await startConsole(stack.sim);
    browser = await launchChromium();
    page = await openConsole(browser, server.url, 'carol', 'deploys');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stack?.close();
  });

  const setClock = async (at: string) => {
    await page.fill('#clock-at', at);
    await page.click('#clock-set');
  };

  it('a Saturday evening enters the weekend freeze: the production deploy is refused, naming it', async () => {
    await setClock('2026-12-05 20:00 Europe/Berlin');
    await page.locator('#clock-now', { hasText: '2026-12-05 19:00 UTC, Saturday' }).waitFor();
    await command(page, '/deploy checkout 1.4.2 to production');
    await page.locator('.message.ephemeral', { hasText: 'The freeze "weekend" is in force' }).first().waitFor();
    expect(await pageError(page)).toBeUndefined();
  });

  it('a Tuesday morning leaves it: the same deploy now asks for approval', async () => {
    await setClock('2026-12-01 10:00 Europe/Berlin');
    await page.locator('#clock-now', { hasText: '2026-12-01 09:00 UTC, Tuesday' }).waitFor();
    await command(page, '/deploy checkout 1.4.2 to production');
    const request = page.locator('#messages .message', { hasText: 'checkout' }).filter({ hasText: 'Approve' });
    await request.locator('button', { hasText: 'Approve' }).first().waitFor();
    expect(await pageError(page)).toBeUndefined();
  });

  it('Now puts the clock back to real time', async () => {
    await page.click('#clock-reset');
    await page.locator('#clock-now', { hasText: '(real time)' }).waitFor();
    expect(clock.offsetMs).toBe(0);
  });

  it('the scene menu plays a scene and shows its narration', async () => {
    await page.selectOption('#scene', 'incident');
    await page.click('#scene-play');
    await page.locator('#narration li', { hasText: 'bob declares a P1 from #general' }).waitFor();
    await page
      .locator('#narration li.finished', { hasText: 'An incident from declaration to postmortem: finished' })
      .waitFor({ timeout: 30_000 });
    expect(await pageError(page)).toBeUndefined();
  }, 40_000);
});
