import type { RecordedCall } from '../../src/sandbox/slack/surface.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { eventually } from './eventually.ts';
import type { Stack } from './stack.ts';

export const IMAGE = 'registry.example.com/shop/checkout';

export function seedCheckout(stack: Stack, version = '1.0.0'): void {
  for (const sim of [stack.kube.staging, stack.kube.prod]) {
    if (!sim.deployment('shop', 'checkout'))
      sim.addDeployment({
        namespace: 'shop',
        name: 'checkout',
        container: 'app',
        image: `${IMAGE}:${version}`,
        replicas: 3,
      });
  }
}

// The approval request message the bot posted in a channel for this version (not the mirror).
export async function approvalMessage(stack: Stack, version: string, channel = 'C0DEPLOYS01'): Promise<SimMessage> {
  return eventually(
    () => {
      const found =
        stack.sim.workspace
          .channelMessages(channel)
          .find(
            (message) =>
              message.text.includes(`checkout ${version} to production`) &&
              message.text.includes('Approval') === false &&
              JSON.stringify(message.blocks).includes('approval_approve'),
          ) ??
        stack.sim.workspace
          .channelMessages(channel)
          .find((message) => message.text.includes(`checkout ${version} to production`));
      if (!found) throw new Error(`no approval request for ${version} in ${channel} yet`);
      return found;
    },
    { what: `approval request for ${version}` },
  );
}

export function currentImage(stack: Stack, env: 'staging' | 'prod' = 'prod'): string | undefined {
  const deployment = stack.kube[env].deployment('shop', 'checkout');
  return (deployment?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec
    .containers[0]?.image;
}

// Real (non-dry-run) patches the cluster received: what actually changed production.
export function realPatches(stack: Stack, env: 'staging' | 'prod' = 'prod') {
  return stack.kube[env].requests.filter(
    (request) => request.method === 'PATCH' && request.query.dryRun !== 'All' && request.status === 200,
  );
}

export async function auditRows(stack: Stack, where = 'TRUE', values: unknown[] = []) {
  return (await stack.bot.pool.query(`SELECT * FROM audit_events WHERE ${where} ORDER BY at, id`, values))
    .rows as Record<string, unknown>[];
}

// The release ledger's rows (migration 5), oldest first.
export async function releaseRows(stack: Stack, where = 'TRUE', values: unknown[] = []) {
  return (await stack.bot.pool.query(`SELECT * FROM releases WHERE ${where} ORDER BY started_at, id`, values))
    .rows as Record<string, unknown>[];
}

export function ephemeralsTo(stack: Stack, userId: string): RecordedCall[] {
  return [...stack.sim.callsTo('chat.postEphemeral'), ...stack.sim.callsTo('response_url')].filter(
    (call) => call.args.user === userId,
  );
}

export async function finalText(stack: Stack, message: SimMessage, status: string): Promise<string> {
  return eventually(
    () => {
      const current = stack.sim.workspace.messageByTs(message.ts)!;
      if (!current.text.includes(status)) throw new Error(`it says: ${current.text}`);
      return current.text;
    },
    { what: `message ${message.ts} to say ${status}` },
  );
}
