import { randomBytes } from 'node:crypto';
import type { BotAnswer } from '../../src/sandbox/slack/driver.ts';
import { eventually } from '../support/eventually.ts';
import { metricValue } from '../support/queue-totals.ts';
import type { ChaosCluster } from './cluster.ts';
import type { Traffic } from './traffic.ts';

// One slash command as Slack encodes it, built once so that the very same bytes (same trigger_id, same
// response_url) can be delivered several times, to either replica, as Slack's retries are.
export function slashCommandBody(cluster: ChaosCluster, who: string, line: string, channel = 'deploys') {
  const driver = cluster.driver(0);
  const user = driver.user(who);
  const channelId = driver.channelId(channel);
  const workspace = cluster.sim.workspace;
  const [command = '', text = ''] = line.trim().split(/ (.*)/s);
  const triggerId = `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
  const form = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: workspace.teamId,
    team_domain: workspace.teamDomain,
    channel_id: channelId,
    channel_name: workspace.channels.get(channelId)!.name,
    user_id: user.id,
    user_name: user.name,
    command,
    text,
    api_app_id: workspace.appId,
    is_enterprise_install: 'false',
    response_url: driver.newResponseUrl({ channel: channelId, user: user.id, ephemeral: true }),
    trigger_id: triggerId,
  });
  return { body: form.toString(), triggerId };
}

// A command through one replica, given up at 3 s as Slack does.
export function command(
  cluster: ChaosCluster,
  traffic: Traffic,
  replica: number,
  who: string,
  line: string,
  options: { triggerId?: string; timestamp?: number; signature?: string } = {},
): Promise<BotAnswer | undefined> {
  return traffic.deliver(`${line} (bot ${replica})`, (signal) =>
    cluster.driver(replica).command(who, line, { ...options, signal }),
  );
}

export async function unverifiedCount(cluster: ChaosCluster, replica: number): Promise<number> {
  const text = await (await fetch(`${cluster.bots[replica]!.url}/metrics`)).text();
  return metricValue(text, 'opsbot_slack_requests_total', { kind: 'unverified' });
}

// The progress message of a deploy once its headline says `outcome`.
export async function deployEnded(cluster: ChaosCluster, subject: string, outcome = 'succeeded', timeoutMs = 60_000) {
  return eventually(
    () => {
      const found = cluster.sim.workspace.messages.find(
        (message) => !message.threadTs && message.text.startsWith(`${subject}: ${outcome}`),
      );
      if (!found) throw new Error(`no "${subject}: ${outcome}" yet`);
      return found;
    },
    { timeoutMs, intervalMs: 100, what: `${subject} to end ${outcome}` },
  );
}
