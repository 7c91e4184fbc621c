import type { RecordedCall } from '../../src/sandbox/slack/surface.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { releaseOutcomeOf } from '../../src/core/release.ts';
import { eventually } from '../support/eventually.ts';
import type { ChaosCluster } from './cluster.ts';
import type { Traffic } from './traffic.ts';

// The promises every scenario keeps, written once and checked after each one (over everything the cluster
// did so far, so a later scenario also re-checks what an earlier one left):
// - no process crashed (an exit nobody asked for);
// - every delivery was answered within Slack's 3 s, and never with a 5xx;
// - every change job's `start` audit row has exactly one `result` row, and no result lacks its start;
// - one PATCH per change: a change that succeeded patched its Deployment exactly once, none more than once,
//   and every real (non-dry-run) PATCH the clusters received belongs to a change the audit log started;
// - one release ledger row per started change, none for a change that never started, and its outcome is the
//   audit result's;
// - one final message per job, and the channel, the requester and the audit log agree on the outcome:
//   one progress message whose headline says the audit's decision, one outcome reply in its thread that
//   @-mentions the requester with the same words, and no private reply telling the requester otherwise.

type Change = {
  jobId: string;
  kind: 'deploy' | 'rollback';
  service: string;
  env: string;
  requester: string;
  correlationId: string;
  from: string;
  to: string;
  approvalId: string | undefined;
  starts: number;
  results: string[];
};

const DEPLOY_WORDS: Record<string, string> = {
  succeeded: 'succeeded',
  'rolled-back': 'failed and rolled back',
  failed: 'failed',
  cancelled: 'cancelled',
  aborted: 'canary aborted',
};
const ROLLBACK_WORDS: Record<string, string> = { ...DEPLOY_WORDS, succeeded: 'rolled back', failed: 'rollback failed' };
const IMAGE_IN_BODY = /registry\.example\.com\/shop\/[a-z]+:[A-Za-z0-9._-]+/g;

// Resolves with the changes it checked, so a scenario can see its own changes were among them.
export async function assertInvariants(
  cluster: ChaosCluster,
  traffic: Traffic,
  timeoutMs = 45_000,
): Promise<Map<string, string>> {
  const late = traffic.takeFailures();
  await settled(cluster, timeoutMs);
  const problems = [...crashes(cluster), ...late.map((failure) => `${failure.what}: ${failure.why}`)];
  if (problems.length > 0) throw new Error(`invariants broken:\n${problems.join('\n')}\n${cluster.tails()}`);
  // The outcome reply comes after the lock is given back: what is still missing may yet arrive.
  return eventually(
    async () => {
      const changes = await changesOf(cluster);
      const found = [
        ...auditPairs(changes),
        ...(await ledgerAgrees(cluster, changes)),
        ...patchesPerChange(cluster, changes),
        ...outcomesAgree(cluster, changes),
      ];
      if (found.length > 0) throw new Error(found.join('\n'));
      return new Map(changes.map((change) => [`${change.service}/${change.env}@${change.to}`, change.results[0]!]));
    },
    { timeoutMs, intervalMs: 250, what: 'the invariants' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${cluster.tails()}`);
  });
}

// Nothing still running or queued that could change what is checked.
async function settled(cluster: ChaosCluster, timeoutMs: number): Promise<void> {
  await eventually(
    async () => {
      for (const kind of ['plan', 'deploy', 'rollback', 'whoami'] as const) {
        const counts = await cluster.queue(kind).getJobCounts('active', 'waiting', 'prioritized');
        const busy = Object.values(counts).reduce((sum, count) => sum + count, 0);
        if (busy > 0) throw new Error(`${kind}: ${JSON.stringify(counts)}`);
      }
    },
    { timeoutMs, intervalMs: 200, what: 'the queues to settle' },
  );
}

export function crashes(cluster: ChaosCluster): string[] {
  return cluster.processes
    .filter((process) => process.crashed)
    .map((process) => `${process.role} pid ${process.pid} crashed: ${JSON.stringify(process.exitStatus)}`);
}

async function changesOf(cluster: ChaosCluster): Promise<Change[]> {
  const rows = await cluster.auditRows(
    "action IN ('deploy.start', 'deploy.resume', 'deploy.result', 'rollback.start', 'rollback.resume', 'rollback.result')",
  );
  const changes = new Map<string, Change>();
  for (const row of rows) {
    const jobId = String(row.job_id);
    const [service = '?', env = '?'] = String(row.target).split('/');
    const details = row.details as { from?: string; to?: string; approvalId?: string };
    const change = changes.get(jobId) ?? {
      jobId,
      kind: String(row.action).startsWith('rollback') ? ('rollback' as const) : ('deploy' as const),
      service,
      env,
      requester: String(row.actor),
      correlationId: String(row.correlation_id),
      from: details.from ?? '',
      to: details.to ?? '',
      approvalId: details.approvalId,
      starts: 0,
      results: [],
    };
    if (row.event === 'start') change.starts += 1;
    if (row.event === 'result') change.results.push(String(row.decision));
    changes.set(jobId, change);
  }
  return [...changes.values()];
}

function auditPairs(changes: Change[]): string[] {
  const problems: string[] = [];
  for (const change of changes) {
    if (change.starts !== 1) problems.push(`${change.jobId}: ${change.starts} start rows`);
    if (change.results.length !== 1) problems.push(`${change.jobId}: results ${JSON.stringify(change.results)}`);
  }
  const perApproval = new Map<string, number>();
  for (const change of changes)
    if (change.approvalId && change.starts > 0)
      perApproval.set(change.approvalId, (perApproval.get(change.approvalId) ?? 0) + 1);
  for (const [approvalId, started] of perApproval)
    if (started > 1) problems.push(`approval ${approvalId} started ${started} changes`);
  return problems;
}

async function ledgerAgrees(cluster: ChaosCluster, changes: Change[]): Promise<string[]> {
  const { rows } = await cluster.pool.query<{ job_id: string; outcome: string | null }>(
    'SELECT job_id, outcome FROM releases',
  );
  const byJob = new Map<string, (string | null)[]>();
  for (const row of rows) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), row.outcome]);
  const problems: string[] = [];
  const started = changes.filter((change) => change.starts > 0);
  for (const change of started) {
    const outcomes = byJob.get(change.jobId) ?? [];
    const expected = change.results[0] === undefined ? undefined : releaseOutcomeOf(change.results[0]);
    if (outcomes.length !== 1 || outcomes[0] !== expected)
      problems.push(`${change.jobId}: audit says ${change.results[0]}, the ledger has ${JSON.stringify(outcomes)}`);
  }
  const startedJobs = new Set(started.map((change) => change.jobId));
  for (const jobId of byJob.keys())
    if (!startedJobs.has(jobId)) problems.push(`${jobId}: a ledger row for a change the audit log never started`);
  return problems;
}

function clusterOf(cluster: ChaosCluster, env: string) {
  return env === 'production' ? cluster.kube.prod : cluster.kube.staging;
}

function realPatches(cluster: ChaosCluster, env: string, service: string) {
  return clusterOf(cluster, env).requests.filter(
    (request) =>
      request.method === 'PATCH' &&
      request.query.dryRun !== 'All' &&
      request.status === 200 &&
      request.path.endsWith(`/deployments/${service}`),
  );
}

function patchesPerChange(cluster: ChaosCluster, changes: Change[]): string[] {
  const problems: string[] = [];
  for (const change of changes.filter((candidate) => candidate.kind === 'deploy')) {
    const forward = realPatches(cluster, change.env, change.service).filter((request) =>
      JSON.stringify(request.body ?? '').includes(`"${change.to}"`),
    ).length;
    const decision = change.results[0];
    if (forward > 1 || (decision === 'succeeded' && forward !== 1) || (decision === 'refused' && forward !== 0))
      problems.push(`${change.jobId} (${decision}): ${forward} PATCHes to ${change.to}`);
  }
  // Whatever the clusters were told to run, a started change asked for (its version, or the one it put back).
  const started = new Set(changes.filter((change) => change.starts > 0).flatMap((change) => [change.to, change.from]));
  for (const env of ['staging', 'production'])
    for (const request of clusterOf(cluster, env).requests) {
      if (request.method !== 'PATCH' || request.query.dryRun === 'All' || request.status !== 200) continue;
      for (const image of JSON.stringify(request.body ?? '').match(IMAGE_IN_BODY) ?? [])
        if (!started.has(image)) problems.push(`${env} ${request.path} patched to ${image}, which no change started`);
    }
  return problems;
}

function subjectOf(change: Change): string {
  const version = change.to.slice(change.to.lastIndexOf(':') + 1);
  return change.kind === 'rollback'
    ? `${change.service} rollback to ${version} in ${change.env}`
    : `${change.service} ${version} to ${change.env}`;
}

function mentionsJob(message: { text: string; blocks: unknown[] }, jobId: string): boolean {
  return message.text.includes(jobId) || JSON.stringify(message.blocks).includes(jobId);
}

function outcomesAgree(cluster: ChaosCluster, changes: Change[]): string[] {
  const problems: string[] = [];
  const messages = cluster.sim.workspace.messages.filter((message) => !message.deleted);
  for (const change of changes) {
    const decision = change.results[0];
    if (decision === undefined) continue;
    const progress = messages.filter(
      (message) =>
        !message.threadTs && message.text.startsWith(`${subjectOf(change)}:`) && mentionsJob(message, change.jobId),
    );
    problems.push(...privateRepliesAgree(cluster, change, decision));
    if (decision === 'refused') {
      if (progress.length > 0) problems.push(`${change.jobId} was refused but has a progress message`);
      continue;
    }
    if (progress.length !== 1) {
      problems.push(`${change.jobId}: ${progress.length} progress messages`);
      continue;
    }
    const words = (change.kind === 'rollback' ? ROLLBACK_WORDS : DEPLOY_WORDS)[decision] ?? decision;
    const said = new RegExp(`^${escapeRegExp(subjectOf(change))}: ${escapeRegExp(words)}( \\(|\\.| —)`);
    if (!said.test(progress[0]!.text))
      problems.push(`${change.jobId}: audit says ${decision}, channel says "${progress[0]!.text.slice(0, 120)}"`);
    problems.push(...outcomeReplyAgrees(messages, progress[0]!, change, words));
  }
  return problems;
}

function outcomeReplyAgrees(messages: SimMessage[], progress: SimMessage, change: Change, words: string): string[] {
  const replies = messages.filter(
    (message) =>
      message.threadTs === progress.ts &&
      (message.blocks as { block_id?: string }[]).some((block) => block.block_id === `outcome:${change.jobId}`),
  );
  if (replies.length !== 1) return [`${change.jobId}: ${replies.length} outcome replies`];
  const reply = replies[0]!;
  if (!reply.text.includes(`<@${change.requester}>`)) return [`${change.jobId}: the outcome reply does not mention`];
  if (!reply.text.includes(`*${words}*`)) return [`${change.jobId}: the requester was told "${reply.text}"`];
  return [];
}

// What the requester was told privately about this job (response_url, ephemeral, DM) never contradicts it.
function privateRepliesAgree(cluster: ChaosCluster, change: Change, decision: string): string[] {
  const told = cluster.sim.calls.filter(
    (call) =>
      call.ok &&
      toRequester(call, change.requester) &&
      [change.jobId, change.correlationId].some((id) => JSON.stringify(call.args).includes(id)),
  );
  const problems: string[] = [];
  for (const call of told) {
    const text = `${String(call.args.text ?? '')} ${JSON.stringify(call.args.blocks ?? '')}`;
    if (text.includes('Something went wrong inside ops-bot'))
      problems.push(`${change.jobId} (${decision}): the requester was told "${String(call.args.text)}"`);
    if (decision !== 'refused' && text.includes('was not run'))
      problems.push(`${change.jobId} (${decision}): the requester was told it did not run`);
  }
  return problems;
}

function toRequester(call: RecordedCall, requester: string): boolean {
  if (call.method === 'response_url' || call.method === 'chat.postEphemeral') return call.args.user === requester;
  return call.method === 'chat.postMessage' && call.args.channel === requester;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
