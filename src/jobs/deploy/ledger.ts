import type { KubeCluster } from '../../adapters/kube.ts';
import { withinBudget } from '../../core/deadline.ts';
import type { NewRelease, ReleaseIdentity } from '../../adapters/release-ledger.ts';
import type { WorkloadPlan } from '../../core/plan.ts';
import { imageOf } from '../../core/rollout.ts';
import type { ProcessorDeps } from '../processor.ts';
import { imageOfSet } from './cancelled.ts';
import type { DeployOutcome } from './rolling.ts';
import type { ChangeData } from './run.ts';

// The Deployment a change lands in: blue-green deploys into the idle colour and switches back to it.
export function landsIn(plan: WorkloadPlan): string {
  if (plan.bluegreen && (plan.kind === 'deploy' || plan.mode === 'switch-back')) return plan.bluegreen.idle;
  return plan.deployment;
}

// The ledger row a change starts with. Approvers and the incident channel are looked up best effort:
// a change never fails for want of them.
export async function newRelease(
  deps: ProcessorDeps,
  data: ChangeData<WorkloadPlan>,
  jobId: string,
): Promise<NewRelease> {
  const { plan } = data;
  const [approval, incident] = await Promise.all([
    atMost(approvalOf(deps, data.approvalId), NOT_APPROVED),
    data.channelId ? atMost(deps.incidents.byChannel(data.channelId), undefined) : undefined,
  ]);
  return {
    kind: plan.kind,
    service: plan.service,
    env: plan.env,
    context: plan.context,
    namespace: plan.namespace,
    deployment: landsIn(plan),
    image: plan.to.image,
    version: plan.to.version,
    strategy: plan.strategy,
    requester: data.requestedBy.userId,
    approvers: approval.approvers,
    approvedAt: approval.approvedAt,
    reason: plan.reason,
    jobId,
    incidentChannel: incident ? data.channelId : undefined,
    requestedAt: new Date(data.requestedAt),
    rolledBackFrom: plan.kind === 'rollback' ? plan.ledger?.fromRelease : undefined,
  };
}

const NOT_APPROVED = { approvers: [], approvedAt: undefined };

// Who approved the change and when the approval that let it run was given (its request's decision).
async function approvalOf(
  deps: ProcessorDeps,
  approvalId: string | undefined,
): Promise<{ approvers: string[]; approvedAt: Date | undefined }> {
  if (!approvalId) return NOT_APPROVED;
  const record = await deps.approvals.get(approvalId);
  if (!record) return NOT_APPROVED;
  const { approvals, decidedAt } = record.request;
  const lastApproval = approvals.reduce<Date | undefined>((last, { at }) => (last && last > at ? last : at), undefined);
  return { approvers: approvals.map((approval) => approval.userId), approvedAt: decidedAt ?? lastApproval };
}

// PostgreSQL that stops answering holds a query for its 30 s timeout; the start row behind these
// lookups waits for it anyway, so they get a short while and otherwise say nothing.
const LOOKUP_MS = 2_000;

async function atMost<T>(lookup: Promise<T>, otherwise: T, ms = LOOKUP_MS): Promise<T> {
  return (
    (await withinBudget(
      lookup.catch(() => otherwise),
      ms,
    )) ?? otherwise
  );
}

export type Found = { identity?: ReleaseIdentity | undefined; digest?: string | undefined };

// Which ReplicaSet the change made (or reused): the live one when it succeeded, else the newest that
// runs its image (a failed release rolled back automatically is no longer live, but still held), and
// the digest its pods run. Best effort: an unknown identity leaves the row out of rollback choices.
// A slow cluster delays the result row by at most FIND_MS: the identity is worth less than the row.
const FIND_MS = 5_000;

export function releaseFound(cluster: KubeCluster, plan: WorkloadPlan, outcome: DeployOutcome): Promise<Found> {
  return atMost(findRelease(cluster, plan, outcome), {}, FIND_MS);
}

async function findRelease(cluster: KubeCluster, plan: WorkloadPlan, outcome: DeployOutcome): Promise<Found> {
  try {
    const deployment = await cluster.readDeployment(plan.namespace, landsIn(plan));
    if (!deployment) return {};
    const sets = await cluster.replicaSets(deployment);
    const live = outcome.decision === 'succeeded' && imageOf(deployment, plan.container) === plan.to.image;
    const set = live
      ? sets.find((candidate) => candidate.revision === deployment.revision)
      : sets.filter((candidate) => imageOfSet(candidate, plan.container) === plan.to.image)[0];
    if (!set) return {};
    const identity = { rsUid: set.uid, templateHash: set.hash, revision: set.revision };
    if (!live || !set.hash) return { identity };
    const pods = await cluster.podHealth(plan.namespace, { ...deployment.selector, 'pod-template-hash': set.hash });
    const pulled = pods
      .flatMap((pod) => pod.containers)
      .find((container) => container.name === plan.container && container.imageID)?.imageID;
    const digest = pulled?.slice(pulled.indexOf('@') + 1);
    return { identity, digest: digest?.startsWith('sha256:') ? digest : undefined };
  } catch {
    return {};
  }
}
