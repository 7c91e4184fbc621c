import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { eventually } from '../support/eventually.ts';
import { SERVICES, imageOf } from './catalog.ts';
import { ChaosCluster } from './cluster.ts';
import { command, deployEnded } from './deliveries.ts';
import { assertInvariants } from './invariants.ts';
import { Traffic } from './traffic.ts';

// What people and Slack itself do at scale: many approvers pressing at once on both replicas, and a
// Web API that answers 429 for a while.
let cluster: ChaosCluster;
const traffic = new Traffic();
const APPROVERS = ['carol', 'frank', 'alice'];

beforeAll(async () => {
  cluster = await ChaosCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

async function approvalRequest(service: string, version: string): Promise<SimMessage> {
  return eventually(
    () => {
      const found = cluster.sim.workspace.messages.find(
        (message) =>
          !message.threadTs &&
          message.text.includes(`${service} ${version} to production`) &&
          JSON.stringify(message.blocks).includes('approval_approve'),
      );
      if (!found) throw new Error(`no approval request for ${service} ${version} yet`);
      return found;
    },
    { timeoutMs: 30_000, what: `the approval request for ${service}` },
  );
}

describe('an approval storm across replicas', () => {
  it('50 concurrent approvals (buttons and ✅) on 5 production deploys needing 2: one PATCH each, each approver counted once', async () => {
    const version = '3.0.0';
    for (const [index, service] of SERVICES.entries()) {
      const answer = await command(cluster, traffic, index, 'bob', `/deploy ${service} ${version} to production`);
      expect(answer?.status).toBe(200);
    }
    const requests = await Promise.all(SERVICES.map((service) => approvalRequest(service, version)));
    const storm = Array.from({ length: 50 }, (_, index) => {
      const request = requests[index % requests.length]!;
      const who = APPROVERS[Math.floor(index / requests.length) % APPROVERS.length]!;
      const replica = Math.floor(index / 2) % 2;
      const what = `${who} approves ${request.ts} (bot ${replica})`;
      return index % 2 === 0
        ? traffic.deliver(what, (signal) =>
            cluster.driver(replica).click(who, { messageTs: request.ts, actionId: 'approval_approve' }, { signal }),
          )
        : traffic.deliver(what, (signal) =>
            cluster.driver(replica).react(who, { messageTs: request.ts, reaction: 'white_check_mark' }, { signal }),
          );
    });
    const answers = await Promise.all(storm);
    expect(answers.map((answer) => answer?.status)).toEqual(answers.map(() => 200));

    for (const service of SERVICES) await deployEnded(cluster, `${service} ${version} to production`);
    const checked = await assertInvariants(cluster, traffic);
    for (const service of SERVICES) {
      expect(checked.get(`${service}/production@${imageOf(service, version)}`)).toBe('succeeded');
      const [approval] = (
        await cluster.pool.query('SELECT approvals FROM approval_requests WHERE target = $1', [`${service}/production`])
      ).rows as { approvals: { userId: string }[] }[];
      const approvers = approval!.approvals.map((entry) => entry.userId);
      expect(approvers).toHaveLength(2);
      expect(new Set(approvers).size).toBe(2);
    }
  });
});

describe('a 429 storm from Slack', () => {
  it('the final message lands once, every process stays up', async () => {
    // Every chat.update and chat.postMessage answers 429 (Retry-After 1 s) for a while, whoever sends it.
    cluster.sim.fail('chat.update', { rateLimited: 1 }, 6);
    cluster.sim.fail('chat.postMessage', { rateLimited: 1 }, 4);
    const answers = await Promise.all(
      ['checkout', 'cart'].map((service, replica) =>
        command(cluster, traffic, replica, 'bob', `/deploy ${service} 4.0.0 to staging`),
      ),
    );
    expect(answers.map((answer) => answer?.status)).toEqual([200, 200]);
    for (const service of ['checkout', 'cart']) await deployEnded(cluster, `${service} 4.0.0 to staging`);
    expect(cluster.sim.calls.filter((call) => call.status === 429).length).toBe(10);
    const checked = await assertInvariants(cluster, traffic);
    for (const service of ['checkout', 'cart'])
      expect(checked.get(`${service}/staging@${imageOf(service, '4.0.0')}`)).toBe('succeeded');
  });
});
