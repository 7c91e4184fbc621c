import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, approvalMessage, auditRows, currentImage, releaseRows, seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

type Details = { warnings?: string[] };

// What the requester was told privately: response_url replies and ephemerals.
function ephemeralTexts(stack: Stack, user: string): string[] {
  return stack.sim.calls
    .filter(
      (call) => (call.method === 'response_url' || call.method === 'chat.postEphemeral') && call.args.user === user,
    )
    .map((call) => String(call.args.text ?? ''));
}

// A change made outside ops-bot (kubectl by hand): the ledger knows nothing of it.
function patchByHand(stack: Stack, version: string): void {
  const deployment = stack.kube.staging.deployment('shop', 'checkout')!;
  stack.kube.staging.store.update({
    ...deployment,
    metadata: { ...deployment.metadata, generation: (deployment.metadata.generation ?? 1) + 1 },
    spec: {
      ...deployment.spec,
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: [{ name: 'app', image: `${IMAGE}:${version}` }] },
      },
    },
  });
  stack.kube.staging.controller.deploymentChanged('shop', 'checkout');
}

describe('warnings before mistakes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog() });
    seedCheckout(stack, '3.1.0');
  });
  afterAll(async () => stack.close());

  it('marks a downgrade in the dry run', async () => {
    const answer = await stack.slack.command('bob', '/deploy checkout 2.1.0 to production --dry-run');
    expect(answer.json?.text).toContain('⚠ downgrade from 3.1.0.');
    expect(JSON.stringify(answer.json?.blocks)).toContain('*⚠ downgrade from 3.1.0*');
    const rows = await eventually(async () => {
      const found = await auditRows(stack, "action = 'deploy.dry-run'");
      expect(found).toHaveLength(1);
      return found;
    });
    expect((rows[0]!.details as Details).warnings).toEqual(['⚠ downgrade from 3.1.0']);
  });

  it('marks a downgrade in the approval request and its audit rows', async () => {
    await stack.slack.command('bob', '/deploy checkout 2.1.0 to production');
    const message = await approvalMessage(stack, '2.1.0');
    expect(JSON.stringify(message.blocks)).toContain('*⚠ downgrade from 3.1.0*');
    const requested = await eventually(async () => {
      const found = await auditRows(stack, "event = 'approval' AND decision = 'requested'");
      expect(found).toHaveLength(1);
      return found;
    });
    expect((requested[0]!.details as Details).warnings).toEqual(['⚠ downgrade from 3.1.0']);
    const request = await auditRows(stack, "action = 'deploy.request'");
    expect((request[0]!.details as Details).warnings).toEqual(['⚠ downgrade from 3.1.0']);
  });

  it('says nothing of an upgrade, nor of versions that are not semver', async () => {
    const upgrade = await stack.slack.command('bob', '/deploy checkout 3.2.0 to staging --dry-run');
    expect(String(upgrade.json?.text)).not.toContain('⚠');
    const named = await stack.slack.command('bob', '/deploy checkout build-2024-05 to staging --dry-run');
    expect(String(named.json?.text)).toContain('Dry run');
    expect(String(named.json?.text)).not.toContain('⚠');
  });

  it('says a version is older than the last good release when what runs was put there by hand', async () => {
    await stack.slack.command('bob', '/deploy checkout 3.2.0 to staging');
    await eventually(async () =>
      expect((await releaseRows(stack, "version = '3.2.0'")).map((row) => row.outcome)).toEqual(['succeeded']),
    );
    patchByHand(stack, '4.0.0');
    await eventually(() => expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:4.0.0`));
    const answer = await stack.slack.command('bob', '/deploy checkout 3.0.0 to staging --dry-run');
    expect(answer.json?.text).toContain('⚠ downgrade from 4.0.0; ⚠ older than the last good release, 3.2.0 (');
  });

  it('says the same release was rolled back here, by whom and why, before it is asked for again', async () => {
    await stack.slack.command('bob', '/deploy checkout 4.1.0 to staging');
    await eventually(async () =>
      expect((await releaseRows(stack, "version = '4.1.0'")).map((row) => row.outcome)).toEqual(['succeeded']),
    );
    await stack.slack.command('carol', '/rollback checkout staging --reason "5xx after 4.1.0"');
    await eventually(async () =>
      expect((await releaseRows(stack, "version = '4.1.0'")).map((row) => row.outcome)).toEqual(['rolled_back']),
    );
    const answer = await stack.slack.command('bob', '/deploy checkout 4.1.0 to staging --dry-run');
    expect(answer.json?.text).toMatch(
      /⚠ 4\.1\.0 was rolled back in staging on \d{4}-\d\d-\d\d \d\d:\d\d UTC by <@U0CAROL003>: 5xx after 4\.1\.0/,
    );
  }, 60_000);

  it('says a downgrade that needs no approval where it starts and on the message everyone sees', async () => {
    const answer = await stack.slack.command('bob', '/deploy checkout 3.0.1 to staging');
    const starting = await eventually(() => {
      const said = [String(answer.json?.text ?? ''), ...ephemeralTexts(stack, 'U0BOB00002')].find(
        (text) => text.startsWith('Starting: checkout staging:') && text.includes('→ 3.0.1'),
      );
      return said ?? Promise.reject(new Error('no Starting reply yet'));
    });
    expect(starting).toMatch(/⚠ downgrade from \d/);
    const message = await eventually(() => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .find((candidate) => candidate.text.startsWith('checkout 3.0.1 to staging'));
      return found ?? Promise.reject(new Error('no progress message yet'));
    });
    expect(JSON.stringify(message.blocks)).toMatch(/⚠ downgrade from \d/);
    await eventually(async () =>
      expect((await releaseRows(stack, "version = '3.0.1'")).map((row) => row.outcome)).toEqual(['succeeded']),
    );
  }, 60_000);

  it.each(['latest', 'main', 'stable'])('refuses the mutable tag %s, enqueuing nothing', async (tag) => {
    const [jobsBefore, imageBefore] = [await totalJobs(stack.bot), currentImage(stack, 'staging')];
    const answer = await stack.slack.command('bob', `/deploy checkout ${tag} to staging`);
    expect(answer.json?.text).toContain(`\`${tag}\` is a mutable tag`);
    expect(answer.json?.text).toContain('allowMutableTags: true');
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(currentImage(stack, 'staging')).toBe(imageBefore);
  });
});

describe('a mutable tag the catalog allows', () => {
  let stack: Stack;
  beforeAll(async () => {
    const catalog = testCatalog().replace('    timeout: 1m\n', '    timeout: 1m\n    allowMutableTags: true\n');
    stack = await startStack({ catalogYaml: `${catalog}mutableTags: [latest, nightly]\n` });
    seedCheckout(stack, '3.1.0');
  });
  afterAll(async () => stack.close());

  it('is warned about, and once it rolled out the request shows the digest the cluster resolved', async () => {
    await stack.slack.command('bob', '/deploy checkout latest to production');
    const message = await approvalMessage(stack, 'latest');
    expect(JSON.stringify(message.blocks)).toContain('is a mutable tag: the digest the cluster resolves is shown');
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(() => expect(currentImage(stack)).toBe(`${IMAGE}:latest`));
    const resolved = await eventually(() => {
      const text = JSON.stringify(stack.sim.workspace.messageByTs(message.ts)!.blocks);
      expect(text).toMatch(/`latest` resolved to `sha256:[0-9a-f]+` when it rolled out/);
      return text;
    });
    const digest = /`(sha256:[0-9a-f]+)`/.exec(resolved)![1];
    const ledger = await stack.bot.pool.query("SELECT digest FROM releases WHERE version = 'latest'");
    expect(ledger.rows.map((row: { digest: string }) => row.digest)).toEqual([digest]);
  });

  it("refuses the catalog's own mutable tags for services that do not allow them", async () => {
    const answer = await stack.slack.command('bob', '/deploy search nightly to staging');
    expect(answer.json?.text).toContain('`nightly` is a mutable tag');
  });
});
