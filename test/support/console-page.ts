import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ConsoleServer } from '../../src/sandbox/console/server.ts';
import type { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = new URL('../../.artifacts/screenshots/', import.meta.url).pathname;

// Debian's Chromium, headless, with the background traffic off (the machine has no network, and
// without these flags Chromium keeps retrying refused connections).
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// The reason a console test cannot run here, printed by the test, or undefined when it can.
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package)`;
}

export async function startConsole(sim: SlackSimulator): Promise<ConsoleServer> {
  const server = new ConsoleServer(sim);
  await server.start(0);
  return server;
}

// A page of the console, as one person, in one channel; its errors fail the test that reads them.
export async function openConsole(browser: Browser, url: string, as: string, channel: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${url}?as=${as}&channel=${channel}`);
  await page.locator('#channels .channel').first().waitFor();
  return page;
}

export async function actAs(page: Page, person: string): Promise<void> {
  await page.selectOption('#person', person);
}

export async function command(page: Page, line: string): Promise<void> {
  await page.fill('#composer-input', line);
  await page.press('#composer-input', 'Enter');
}

export async function screenshot(page: Page, name: string, dir = SCREENSHOTS): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = `${dir}${name}.png`;
  await page.screenshot({ path });
  return path;
}

// What the error toast says, if it shows: a console action the page reported as failed.
export async function pageError(page: Page): Promise<string | undefined> {
  return (await page.locator('#error').isVisible()) ? ((await page.locator('#error').textContent()) ?? '') : undefined;
}
