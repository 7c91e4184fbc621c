import { eventually } from './eventually.ts';
import type { Stack } from './stack.ts';

// The flows the least-privilege test runs under the generated Role and IAM policy. Each run uses
// fresh names (a version, a restore target) and ends with 'ok' or 'failed', judged on what Slack shows.
export type Outcome = 'ok' | 'failed';
export type Flow = { name: string; run: (stack: Stack, n: number) => Promise<Outcome> };

export const CHECKOUT = 'registry.example.com/shop/checkout';
const CHANNEL = 'C0DEPLOYS01';
const SETTLE_QUEUES = ['deploy', 'rollback', 'backup', 'verify', 'restore', 'backup-retention'] as const;

// The first message posted after `since` that starts with `prefix`, once its status (the words after
// the next ": ") is final: 'ok' when `ok` matches it. A refusal in the command's own reply (a pre-flight
// 403, a target that cannot be read) ends it at once.
const FINAL = /^(succeeded|failed|cancelled|refused|could not|rolled back|backed up|restores|restored|\w+ failed)/;
const REFUSED = /forbidden|not authorized|AccessDenied|cannot|could not|failed/i;

async function outcome(stack: Stack, since: number, prefix: string, ok: RegExp, reply?: string): Promise<Outcome> {
  if (reply !== undefined && REFUSED.test(reply)) return settled(stack, 'failed');
  const result = await eventually(
    () => {
      const message = stack.sim.workspace
        .channelMessages(CHANNEL)
        .slice(since)
        .find((candidate) => candidate.text.startsWith(prefix));
      const at = message ? message.text.indexOf(': ', prefix.length) : -1;
      const status = message && at >= 0 ? message.text.slice(at + 2) : '';
      if (ok.test(status)) return 'ok' as const;
      if (FINAL.test(status)) {
        if (process.env.LEAST_PRIVILEGE_DEBUG) process.stderr.write(`${message!.text}\n`);
        return 'failed' as const;
      }
      throw new Error(`"${prefix}": ${message?.text ?? 'no message yet'}`);
    },
    { timeoutMs: 15_000, what: prefix },
  ).catch((error: unknown) => {
    if (process.env.LEAST_PRIVILEGE_DEBUG) process.stderr.write(`${String(error)}\n`);
    return 'failed' as const;
  });
  if (process.env.LEAST_PRIVILEGE_DEBUG) process.stderr.write(`${prefix} → ${result}\n`);
  return settled(stack, result);
}

// Nothing of the flow still running: the next run starts from a quiet bot.
async function settled(stack: Stack, result: Outcome): Promise<Outcome> {
  await eventually(
    async () => {
      const counts = await Promise.all(SETTLE_QUEUES.map((kind) => stack.bot.queues.queue(kind).getActiveCount()));
      if (counts.some((count) => count > 0)) throw new Error(`jobs still active: ${counts.join(',')}`);
    },
    { timeoutMs: 20_000, what: 'no job active' },
  );
  return result;
}

const mark = (stack: Stack) => stack.sim.workspace.channelMessages(CHANNEL).length;
const text = (answer: { json?: { text?: unknown } | undefined }) => String(answer.json?.text ?? '');

async function deploy(stack: Stack, service: string, version: string): Promise<Outcome> {
  const since = mark(stack);
  const answer = await stack.slack.command('bob', `/deploy ${service} ${version} to staging`);
  return outcome(stack, since, `${service} ${version} to staging`, /^succeeded/, text(answer));
}

export const KUBE_FLOWS: Flow[] = [
  { name: 'rolling deploy', run: (stack, n) => deploy(stack, 'checkout', `1.${n}.0`) },
  {
    // A release whose image does not exist: its pods are judged (with their events) and it is undone.
    name: 'failed rolling deploy, rolled back',
    run: async (stack, n) => {
      stack.kube.staging.failImage(`${CHECKOUT}:9.${n}.0`, 'ImagePullBackOff');
      const since = mark(stack);
      const answer = await stack.slack.command('bob', `/deploy checkout 9.${n}.0 to staging`);
      return outcome(
        stack,
        since,
        `checkout 9.${n}.0 to staging`,
        /^failed and rolled back.*ImagePullBackOff/s,
        text(answer),
      );
    },
  },
  {
    name: 'rollback',
    run: async (stack) => {
      const since = mark(stack);
      const answer = await stack.slack.command('carol', '/rollback checkout staging');
      return outcome(stack, since, 'checkout rollback to', /^rolled back/, text(answer));
    },
  },
  { name: 'blue-green deploy', run: (stack, n) => deploy(stack, 'storefront', `3.${n}.0`) },
  { name: 'canary deploy', run: (stack, n) => deploy(stack, 'search', `2.${n}.0`) },
  { name: 'look-ups (pods, events, logs)', run: (stack) => lookups(stack) },
];

// /ops pods, events and logs of checkout: 'failed' when any answer is Kubernetes refusing ops-bot.
const KUBE_REFUSED = /Kubernetes refused|forbidden|did not accept/i;

async function lookups(stack: Stack): Promise<Outcome> {
  for (const line of ['/ops pods checkout staging', '/ops events checkout staging', '/ops logs checkout staging']) {
    const answer = text(await stack.slack.command('bob', line));
    if (process.env.LEAST_PRIVILEGE_DEBUG) process.stderr.write(`${line} → ${answer.slice(0, 200)}\n`);
    if (KUBE_REFUSED.test(answer) || !answer.includes('checkout')) return settled(stack, 'failed');
  }
  return settled(stack, 'ok');
}

const idOf = (message: string) => /([a-z]+-\d{8}-\d{6}-[0-9a-f]{6})/.exec(message)?.[1];

export async function backup(stack: Stack, database: string): Promise<{ outcome: Outcome; id?: string }> {
  const since = mark(stack);
  const answer = await stack.slack.command('dave', `/backup ${database}`);
  const result = await outcome(stack, since, `Backup of ${database}`, /^backed up/, text(answer));
  const message = stack.sim.workspace
    .channelMessages(CHANNEL)
    .slice(since)
    .find((candidate) => candidate.text.startsWith(`Backup of ${database}`));
  const id = message ? idOf(message.text) : undefined;
  return { outcome: result, ...(id ? { id } : {}) };
}

export function rdsFlows(backups: Record<string, string>): Flow[] {
  const restore = (database: string, engine: string) => async (stack: Stack, n: number) => {
    const id = backups[database]!;
    const since = mark(stack);
    const answer = await stack.slack.command('dave', `/restore ${id} to ${engine}-copy-${n}`);
    return outcome(stack, since, `Restore of ${id} into ${engine}-copy-${n}`, /^restored at/, text(answer));
  };
  const verify = (database: string) => async (stack: Stack) => {
    const id = backups[database]!;
    const since = mark(stack);
    const answer = await stack.slack.command('dave', `/backup verify ${id}`);
    const result = await outcome(stack, since, `Verify of ${id}`, /^restores — verified/, text(answer));
    // The temporary copy must be gone too: a verify that cannot delete it has failed its promise.
    const scratch = [...stack.rds.state.instances.values(), ...stack.rds.state.clusters.values()].filter(
      (resource) => resource.tags.some((tag) => tag.Key === 'verify-of' && tag.Value === id) && !resource.deletingAt,
    );
    return result === 'ok' && scratch.length === 0 ? 'ok' : 'failed';
  };
  return [
    { name: 'backup of an instance', run: async (stack) => (await backup(stack, 'orders')).outcome },
    { name: 'backup of a cluster', run: async (stack) => (await backup(stack, 'analytics')).outcome },
    { name: 'restore of an instance snapshot', run: restore('orders', 'orders') },
    { name: 'restore of a cluster snapshot', run: restore('analytics', 'analytics') },
    { name: 'verify of an instance snapshot', run: verify('orders') },
    { name: 'verify of a cluster snapshot', run: verify('analytics') },
    { name: 'retention delete of an instance snapshot', run: retention('orders', 'orders-prod', 'instance') },
    { name: 'retention delete of a cluster snapshot', run: retention('analytics', 'analytics-prod', 'cluster') },
  ];
}

// An ops-bot snapshot past its retention is listed by the daily job and deleted with its button.
function retention(database: string, source: string, kind: 'instance' | 'cluster') {
  return async (stack: Stack, n: number): Promise<Outcome> => {
    const id = `${database}-20200101-0000${String(n).padStart(2, '0')}-aaaaaa`;
    stack.rds.addSnapshot(id, source, {
      kind,
      ageMs: 400 * 86_400_000,
      tags: [
        { Key: 'created-by', Value: 'ops-bot' },
        { Key: 'retain-until', Value: new Date(Date.now() - 86_400_000).toISOString() },
      ],
    });
    await stack.bot.queues.enqueue('backup-retention', `backup-retention-${database}-${n}`, {
      correlationId: `c-retention-${n}`,
    });
    const report = await eventually(
      () => {
        const found = stack.sim.workspace
          .channelMessages(CHANNEL)
          .find((message) => message.text.startsWith('Retention:') && message.text.includes(id));
        if (!found) throw new Error('no report');
        return found;
      },
      { timeoutMs: 8_000, what: `retention report naming ${id}` },
    ).catch(() => undefined);
    if (!report) return settled(stack, 'failed');
    await stack.slack.click('dave', {
      messageTs: report.ts,
      actionId: 'backup_delete',
      value: JSON.stringify({ database, id }),
    });
    const gone = await eventually(
      () => {
        if (!stack.rds.state.snapshots.get(id)?.gone) throw new Error('not deleted');
        return true;
      },
      { timeoutMs: 5_000, what: `${id} deleted` },
    ).catch(() => false);
    return settled(stack, gone ? 'ok' : 'failed');
  };
}
