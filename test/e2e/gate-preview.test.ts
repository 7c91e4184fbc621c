import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TargetLocks } from '../../src/adapters/locks.ts';
import { IMAGE, auditRows, currentImage, seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

// The test catalog, with a production database that deploys of checkout back up first, and optionally
// a weekly freeze starting in ten minutes (before a 30-minute approval would expire).
function previewCatalog(options: { freezeToday?: boolean; freezeSoon?: boolean } = {}): string {
  const base = testCatalog({ freezeToday: options.freezeToday ?? false }).replace(
    '    timeout: 1m\n',
    '    timeout: 1m\n    backupBefore: orders\n',
  );
  const soon = options.freezeSoon ? base.replace('      expires: 15m', `      expires: 15m${soonFreeze()}`) : base;
  return `${soon}databases:
  orders:
    engine: rds-instance
    identifier: orders-prod
    region: eu-central-1
    environment: production
`;
}

function soonFreeze(): string {
  const clock = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().slice(11, 16);
  return `
    freeze:
      - name: release-train
        days: [mon, tue, wed, thu, fri, sat, sun]
        from: "${clock(10)}"
        to: "${clock(70)}"
        tz: UTC`;
}

async function unfinishedJobs(stack: Stack): Promise<number> {
  let total = 0;
  for (const counts of (await stack.bot.queues.counts()).values())
    total += (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  return total;
}

async function approvalRows(stack: Stack): Promise<number> {
  return (await stack.bot.pool.query('SELECT count(*)::int AS n FROM approval_requests')).rows[0].n as number;
}

// What a dry run answered, blocks and all, with nothing enqueued and nothing asked for.
async function dryRun(stack: Stack, user: string, text: string): Promise<string> {
  const jobsBefore = await totalJobs(stack.bot);
  const approvalsBefore = await approvalRows(stack);
  const answer = await stack.slack.command(user, text);
  expect(answer.json?.response_type).toBe('ephemeral');
  expect(await totalJobs(stack.bot)).toBe(jobsBefore);
  expect(await approvalRows(stack)).toBe(approvalsBefore);
  return `${String(answer.json?.text)}\n${JSON.stringify(answer.json?.blocks)}`;
}

describe('a production --dry-run during a freeze', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: previewCatalog({ freezeToday: true }) });
    seedCheckout(stack);
  });
  afterAll(async () => stack.close());

  it('shows the freeze, the break-glass approvers, the backup first, the lock, and that it is blocked', async () => {
    const reply = await dryRun(stack, 'bob', '/deploy checkout 1.1.0 to production --dry-run');
    expect(reply).toContain('`launch-week` in force (');
    expect(reply).toContain('2 of @sre-leads, <@U0ALICE001>, plus 1 break-glass of @incident-commanders, not you');
    expect(reply).toContain('*Backup first*\\n`orders`');
    expect(reply).toContain('*Lock*\\nfree');
    expect(reply).toMatch(
      /Now: blocked by the freeze "launch-week" until \d{4}-\d\d-\d\d \d\d:\d\d UTC: needs --break-glass/,
    );
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
    // The preview's row is written beside the answer, not before it: wait for it rather than race it.
    const rows = await eventually(async () => {
      const found = await auditRows(stack, "action = 'deploy.dry-run'");
      expect(found).toHaveLength(1);
      return found;
    });
    expect(rows.map((row) => (row.details as { verdict: string }).verdict)).toEqual([
      expect.stringContaining('blocked by the freeze "launch-week"'),
    ]);
  });

  it('leaves the requester out of the approvers they could not be', async () => {
    const reply = await dryRun(stack, 'alice', '/deploy checkout 1.1.0 to production --dry-run');
    expect(reply).toContain('2 of @sre-leads, plus 1 break-glass of @incident-commanders, not you');
    expect(reply).toContain('needs --break-glass "why" and 2 approvals from @sre-leads plus 1 break-glass approval');
  });
});

describe('a production --dry-run outside a freeze', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: previewCatalog() });
    seedCheckout(stack);
  });
  afterAll(async () => stack.close());

  it('shows no freeze, the approvals it needs, the backup first and a free lock', async () => {
    const reply = await dryRun(stack, 'bob', '/deploy checkout 1.1.0 to production --dry-run');
    expect(reply).toContain('none in force, none before the approval would expire');
    expect(reply).toContain('Now: needs 2 approvals from @sre-leads, <@U0ALICE001>.');
    expect(reply).toContain('*Backup first*\\n`orders`');
    expect(reply).toContain('*Lock*\\nfree');
  });

  it('names who holds the lock, and takes nothing', async () => {
    const locks = new TargetLocks(stack.bot.redis, stack.prefix);
    const held = await locks.acquire('deploy:checkout:production', {
      jobId: 'deploy-elsewhere',
      userId: 'U0CAROL003',
      what: 'deploy of checkout 1.0.9',
    });
    if (!('lease' in held)) throw new Error('the test could not take the lock');
    try {
      const reply = await dryRun(stack, 'bob', '/deploy checkout 1.1.0 to production --dry-run');
      expect(reply).toContain('held by <@U0CAROL003>: deploy of checkout 1.0.9 (job `deploy-elsewhere`)');
      expect(reply).toContain('Now: blocked: <@U0CAROL003> is changing it now (job `deploy-elsewhere`)');
    } finally {
      await held.lease.release();
    }
    expect(await stack.bot.redis.keys(`${stack.prefix}:lock:planning:*`)).toEqual([]);
  });

  it('says a staging deploy would run now, with no backup (the database is in production)', async () => {
    const reply = await dryRun(stack, 'bob', '/deploy checkout 1.1.0 to staging --dry-run');
    expect(reply).toContain('Now: would run now');
    expect(reply).toContain('*Approval*\\nnone needed');
    expect(reply).toContain('*Backup first*\\nnone');
  });

  it('previews a rollback the same way', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    await eventually(() => expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`));
    await eventually(async () => expect(await unfinishedJobs(stack)).toBe(0));
    const reply = await dryRun(stack, 'bob', '/rollback checkout staging --dry-run');
    expect(reply).toContain('Dry run: rollback checkout');
    expect(reply).toContain('Now: would run now');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`);
    await eventually(async () => expect(await auditRows(stack, "action = 'rollback.dry-run'")).toHaveLength(1));
  });
});

describe('a freeze that starts before the approval would expire', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: previewCatalog({ freezeSoon: true }) });
    seedCheckout(stack);
  });
  afterAll(async () => stack.close());

  it('is named beside the approvals', async () => {
    const reply = await dryRun(stack, 'bob', '/deploy checkout 1.1.0 to production --dry-run');
    expect(reply).toContain('`release-train` starts before the approval would expire (');
    expect(reply).toContain('Now: needs 2 approvals');
  });
});
