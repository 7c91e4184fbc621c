import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage, realPatches, seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { POSTGRES_URL, databaseUrl, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

// Slower than pre-flight's whole budget: on today's code pre-flight spent 1.5 s waiting for it, the audit
// write then waited out the pool's 1.5 s connection timeout, and Bolt answered 404 at 3 s.
const SLOW_CLUSTER_MS = 2_000;
const REFUSAL = 'cannot write its audit log right now, so it will not start anything. Nothing was changed.';

describe('PostgreSQL black-holed while the cluster is slow', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const postgres = new URL(POSTGRES_URL);
    proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const port = await proxy.start();
    const url = new URL(databaseUrl(uniqueName('opsbot_test')));
    url.port = String(port);
    stack = await startStack({ catalogYaml: testCatalog(), databaseUrl: url.toString() });
    seedCheckout(stack);
  });
  afterAll(async () => {
    stack.kube.prod.slowDown(0);
    await proxy.cut();
    await proxy.start();
    await stack.close();
    await proxy.stop();
  });

  it('answers a production deploy with the audit refusal, enqueues nothing and changes nothing', async () => {
    const jobsBefore = await totalJobs(stack.bot);
    stack.kube.prod.slowDown(SLOW_CLUSTER_MS);
    proxy.blackhole();

    const answer = await stack.slack.command('bob', '/deploy checkout 1.4.2 to production');

    expect(answer.status).toBe(200);
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(answer.json?.text).toContain(REFUSAL);
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
    expect(realPatches(stack)).toEqual([]);
  });

  it('leaves no accepted row behind once PostgreSQL answers again, and nothing is queued later', async () => {
    stack.kube.prod.slowDown(0);
    await proxy.cut();
    await proxy.start();
    const rows = await eventually(() =>
      auditRows(stack, "command = '/deploy checkout 1.4.2 to production' AND decision = 'accepted'"),
    );
    expect(rows).toEqual([]);
    expect(await totalJobs(stack.bot)).toBe(0);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
  });
});
