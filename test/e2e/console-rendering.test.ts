import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { ConsoleServer } from '../../src/sandbox/console/server.ts';
import { BLOCK_TYPES, ELEMENT_TYPES } from '../../src/sandbox/console/web/kinds.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { seedCheckout } from '../support/approvals.ts';
import { blockListsSent, readBlockLog, typesSent } from '../support/block-types.ts';
import { incidentCatalog } from '../support/catalogs.ts';
import { chromiumMissing, launchChromium, openConsole, startConsole } from '../support/console-page.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Which block and element types ops-bot sends is read from the simulator's records of real traffic:
// the flows below (deploys with approvals and a rejection, a rollback, incidents with every card
// button and form, backups and their list) run against the real bot, and everything it sent —
// messages, updates, ephemeral replies, response_url answers, modals — is drawn by the console.
const CATALOG =
  incidentCatalog().replace('roles:\n', 'roles:\n  backup: ["@dba", "@sre"]\n  restore: ["@dba"]\n') +
  `databases:
  orders: { engine: rds-instance, identifier: orders-prod, region: eu-central-1, environment: production, retention: 30d }
`;

let stack: Stack;

function messageWith(text: string, channel?: string): Promise<SimMessage> {
  return eventually(
    () => {
      const found = stack.sim.workspace.messages.findLast(
        (message) =>
          !message.deleted &&
          (!channel || message.channel === channel) &&
          (message.text.includes(text) || JSON.stringify(message.blocks).includes(text)),
      );
      if (!found) throw new Error(`no message with ${text}`);
      return found;
    },
    { what: `a message with ${text}`, timeoutMs: 15_000 },
  );
}

function ephemeralWith(text: string) {
  return eventually(
    () => {
      const found = stack.sim.workspace.ephemerals.findLast((message) => JSON.stringify(message).includes(text));
      if (!found) throw new Error(`no ephemeral with ${text}`);
      return found;
    },
    { what: `an ephemeral reply with ${text}`, timeoutMs: 15_000 },
  );
}

type Input = {
  block_id?: string;
  type?: string;
  element?: { type?: string; action_id?: string; options?: { value: string }[] };
};

// Submits the newest form with this callback_id, each input filled with something it accepts.
async function submitForm(as: string, callbackId: string): Promise<void> {
  const view = await eventually(
    () => {
      const found = stack.sim.workspace.views.findLast(
        (entry) => (entry.view as { callback_id?: string }).callback_id === callbackId,
      );
      if (!found) throw new Error(`no ${callbackId} form yet`);
      return found.view as { private_metadata?: string; blocks: Input[] };
    },
    { what: `the ${callbackId} form` },
  );
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const block of view.blocks.filter((candidate) => candidate.type === 'input')) {
    const element = block.element ?? {};
    const first = element.options?.[0];
    const type = element.type ?? 'plain_text_input';
    const value =
      type === 'static_select' || type === 'radio_buttons'
        ? { type, selected_option: first }
        : type === 'multi_static_select' || type === 'checkboxes'
          ? { type, selected_options: first ? [first] : [] }
          : type === 'datepicker'
            ? { type, selected_date: new Date().toISOString().slice(0, 10) }
            : { type, value: 'rendering test' };
    values[block.block_id ?? ''] = { [element.action_id ?? '']: value };
  }
  await stack.slack.submitView(as, {
    callbackId,
    ...(view.private_metadata ? { privateMetadata: view.private_metadata } : {}),
    values,
  });
}

async function deployFlows(): Promise<void> {
  for (const line of ['/ops help', '/ops whoami', '/ops status', '/deploy', '/deploy checkout 1.1.0 to nowhere'])
    await stack.slack.command('bob', line);
  await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
  await messageWith('succeeded');
  await stack.slack.command('bob', '/deploy checkout 1.1.0 to production --reason "rendering test"');
  const first = await messageWith('approval_reject');
  await ephemeralWith('approval_cancel');
  await stack.slack.click('carol', { messageTs: first.ts, actionId: 'approval_reject' });
  await submitForm('carol', 'approval_reject_modal');
  await stack.slack.command('bob', '/deploy checkout 1.2.0 to production --reason "rendering test"');
  const second = await messageWith('checkout 1.2.0 to production', 'C0DEPLOYS01');
  await stack.slack.click('carol', { messageTs: second.ts, actionId: 'approval_approve' });
  await stack.slack.react('alice', { messageTs: second.ts, reaction: 'white_check_mark' });
  const done = await messageWith('deploy_rollback');
  await stack.slack.click('bob', { messageTs: done.ts, actionId: 'deploy_rollback' });
  await stack.slack.command('bob', '/ops history checkout');
}

async function incidentFlows(): Promise<void> {
  await stack.slack.command('carol', '/incident declare P2 "Checkout is slow" --service checkout', {
    channel: 'general',
  });
  const card = await messageWith('incident_ack');
  const checklist = await messageWith('incident_checklist');
  await stack.slack.click('bob', { messageTs: card.ts, actionId: 'incident_ack' });
  await stack.slack.click('bob', {
    messageTs: checklist.ts,
    actionId: 'incident_checklist',
    selectedOptions: [{ value: 'item-0' }],
  });
  for (const [action, form] of [
    ['incident_update', 'incident_update_modal'],
    ['incident_severity', 'incident_severity_modal'],
  ] as const) {
    await stack.slack.click('bob', { messageTs: card.ts, actionId: action });
    await submitForm('bob', form);
  }
  await stack.slack.click('bob', { messageTs: card.ts, actionId: 'deploy_rollback' });
  await submitForm('bob', 'incident_rollback_modal');
  await stack.slack.command('dave', '/incident declare P3 "Checkout is slow again" --service checkout', {
    channel: 'general',
  });
  await ephemeralWith('incident_join');
  await stack.slack.command('erin', '/incident declare', { channel: 'general' });
  await submitForm('erin', 'incident_declare_modal');
  await stack.slack.command('carol', '/incident list', { channel: 'general' });
  await stack.slack.click('bob', { messageTs: card.ts, actionId: 'incident_resolve' });
  await submitForm('bob', 'incident_resolve_modal');
  await messageWith('Time to acknowledge');
}

async function backupFlows(): Promise<void> {
  await stack.slack.command('dave', '/backup orders --reason "rendering test"');
  await messageWith('backed up', 'C0DEPLOYS01');
  await stack.slack.command('dave', '/backup list orders');
  const list = await ephemeralWith('backup_restore');
  await stack.slack.click('dave', { messageTs: list.ts, actionId: 'backup_restore' });
  await submitForm('dave', 'restore_modal');
}

describe('every block and element type ops-bot sends', () => {
  let types: { blocks: string[]; elements: string[] };
  let lists: ReturnType<typeof blockListsSent>;

  beforeAll(async () => {
    stack = await startStack({ catalogYaml: CATALOG });
    seedCheckout(stack);
    stack.rds.addInstance('orders-prod');
    stack.kube.staging.addDeployment({
      namespace: 'shop',
      name: 'search',
      container: 'api',
      image: 'registry.example.com/shop/search:2.0.0',
      replicas: 2,
    });
    await deployFlows();
    await incidentFlows();
    await backupFlows();
    // With OPSBOT_BLOCK_LOG set, also what the rest of the e2e suite's bots sent (see block-types.ts).
    lists = [...blockListsSent(stack.sim), ...(await readBlockLog())];
    types = typesSent(lists);
    process.stdout.write(`console-rendering: ${lists.length} block lists; ${JSON.stringify(types)}\n`);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('were collected from a representative run (the flows reached buttons, menus, checkboxes and forms)', () => {
    expect(types.blocks).toEqual(expect.arrayContaining(['actions', 'context', 'header', 'input', 'section']));
    expect(types.elements).toEqual(
      expect.arrayContaining(['button', 'checkboxes', 'mrkdwn', 'plain_text_input', 'static_select']),
    );
  });

  it('are each one the console draws (unit level: the renderer tables are typed by these lists)', () => {
    expect(types.blocks.filter((type) => !(BLOCK_TYPES as readonly string[]).includes(type))).toEqual([]);
    expect(types.elements.filter((type) => !(ELEMENT_TYPES as readonly string[]).includes(type))).toEqual([]);
  });

  const missing = chromiumMissing();
  if (missing) process.stdout.write(`console-rendering (browser part): ${missing}\n`);
  (missing ? describe.skip : describe)('in Chromium', () => {
    let server: ConsoleServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      server = await startConsole(stack.sim);
      browser = await launchChromium();
      page = await openConsole(browser, server.url, 'bob', 'deploys');
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    it('draws every list of blocks the bot sent without an "unsupported" box', async () => {
      const result = await page.evaluate(async (all) => {
        // A URL the page serves; a variable, so TypeScript does not look for it on disk.
        const url = '/web/render-check.ts';
        const check = (await import(url)) as {
          renderAll: (lists: unknown) => Promise<{ drawn: number; unsupported: string[] }>;
        };
        return check.renderAll(all);
      }, lists);
      expect(result.unsupported).toEqual([]);
      expect(result.drawn).toBeGreaterThan(lists.length);
    });

    it('shows every channel, as each person, without an "unsupported" box', async () => {
      for (const person of ['alice', 'bob', 'carol', 'dave', 'erin']) {
        await page.selectOption('#person', person);
        for (const channel of await page.locator('#channels .channel').all()) {
          await channel.click();
          await expect(page.locator('.unsupported').count()).resolves.toBe(0);
        }
      }
    });
  });
});
