import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  IMAGE,
  approvalMessage,
  auditRows,
  currentImage,
  ephemeralsTo,
  finalText,
  seedCheckout,
} from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { POSTGRES_URL, databaseUrl, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

describe('expiry', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog({ expires: '2s' }) });
    seedCheckout(stack);
  });
  afterAll(async () => stack.close());

  it('ends the request at its expiry time; later approvals change nothing', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to production');
    const message = await approvalMessage(stack, '1.1.0');
    const staleBlocks = structuredClone(message.blocks);
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    const text = await finalText(stack, message, 'Expired at');
    expect(text).toContain('with 1 of 2 approvals (<@U0CAROL003>');
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve', staleBlocks });
    await eventually(() =>
      expect(ephemeralsTo(stack, 'U0ALICE001').some((call) => String(call.args.text).includes('already expired'))).toBe(
        true,
      ),
    );
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
    expect((await auditRows(stack, "event = 'expire'")).map((row) => [row.actor, row.decision])).toEqual([
      ['ops-bot', 'expired'],
    ]);
  });
});

describe('a freeze', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog({ freezeToday: true }) });
    seedCheckout(stack);
  });
  afterAll(async () => stack.close());

  it("refuses a production change with the window's name and end, and enqueues nothing", async () => {
    const jobsBefore = await totalJobs(stack.bot);
    const answer = await stack.slack.command('bob', '/deploy checkout 1.1.0 to production');
    expect(answer.json?.text).toContain('The freeze "launch-week" is in force until ');
    expect(answer.json?.text).toContain('--break-glass');
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    await eventually(async () =>
      expect(
        (await auditRows(stack, "decision = 'refused' AND action = 'deploy.run'")).map((row) => row.reason),
      ).toEqual([expect.stringContaining('launch-week')]),
    );
  });

  it('lets staging through, and /ops freeze shows what is frozen until when', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    await eventually(() => expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`));
    const freeze = await stack.slack.command('bob', '/ops freeze');
    expect(freeze.json?.text).toContain('*production* is frozen (launch-week) until');
    expect(freeze.json?.text).toContain('*staging* is open for changes');
  });

  it('with --break-glass needs the break-glass approvers as well, and says BREAK-GLASS in the message and the audit log', async () => {
    await stack.slack.command(
      'bob',
      '/deploy checkout 1.1.0 to production --break-glass "checkout is down for everyone"',
    );
    const message = await approvalMessage(stack, '1.1.0');
    expect(message.text).toContain('BREAK-GLASS');
    expect(JSON.stringify(message.blocks)).toContain('plus 1 break-glass of @incident-commanders');
    // Carol is in @sre-leads and @incident-commanders: she fills one seat, never two.
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
    await finalText(stack, message, 'Waiting for approval (1 of 2, break-glass 1 of 1)');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
    await stack.slack.click('frank', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(() => expect(currentImage(stack)).toBe(`${IMAGE}:1.1.0`));
    const rows = await eventually(async () => {
      const found = await auditRows(stack, "reason LIKE 'BREAK-GLASS%'");
      expect(found.map((row) => row.event)).toEqual(expect.arrayContaining(['request', 'approval', 'approve']));
      return found;
    });
    expect(rows[0]!.reason).toContain('checkout is down for everyone');
  });

  it('shows the audit trail with /ops audit, and exports it as CSV', async () => {
    const audit = await stack.slack.command('carol', '/ops audit production --since 1d');
    expect(audit.json?.text).toContain('approve/approved');
    expect(audit.json?.text).toContain('checkout/production');
    const csv = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [new URL('../../scripts/audit-export.ts', import.meta.url).pathname, '--since', '1d', '--format', 'csv'],
        { env: { ...process.env, DATABASE_URL: stack.databaseUrl } },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
    });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'id,at,event,decision,actor,team,channel,command,action,target,reason,correlationId,jobId,planHash,permalink,details',
    );
    expect(lines.some((row) => row.includes('BREAK-GLASS'))).toBe(true);
  });
});

describe('PostgreSQL unreachable', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const postgres = new URL(POSTGRES_URL);
    proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const port = await proxy.start();
    const name = uniqueName('opsbot_test');
    const url = new URL(databaseUrl(name));
    url.port = String(port);
    stack = await startStack({ catalogYaml: testCatalog(), databaseUrl: url.toString() });
    seedCheckout(stack);
  });
  afterAll(async () => {
    await proxy.start();
    await stack.close();
    await proxy.stop();
  });

  it('refuses a production request with a clear message, and enqueues nothing', async () => {
    await proxy.cut();
    const jobsBefore = await totalJobs(stack.bot);
    const answer = await stack.slack.command('bob', '/deploy checkout 1.1.0 to production');
    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain(
      'cannot write its audit log right now, so it will not start anything. Nothing was changed.',
    );
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
  });
});
