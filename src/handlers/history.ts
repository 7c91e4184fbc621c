import { historyView, type HistoryRow } from '../bot/views/history.ts';
import type { DeployRequest } from '../core/grammar/commands.ts';
import type { CatalogService } from '../core/catalog.ts';
import { tagOf } from '../core/plan.ts';
import { serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { ReplicaSetState } from '../adapters/kube.ts';
import { explainKube } from '../jobs/kube-errors.ts';
import { withinBudget, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

type HistoryRequest = Extract<DeployRequest, { sub: 'history' }>;

const CAUSE = /^ops-bot: (?:rollback to )?(\S+) by <@([A-Z0-9]+)>(?: — (.*))?$/;

type Cluster = ReturnType<HandlerDeps['kube']['cluster']>;
type Audited = { who: string; why: string | undefined; at: Date };

// Revisions from the cluster (each ReplicaSet's revision and the ones it had before a rollback reused
// it), who and why from the audit log, else from the change-cause annotation ("outside ops-bot" when
// neither knows). The cluster and the audit log are read side by side, each within what is left of
// the ack deadline: a slow one costs the answer its part, never Slack's timeout.
export async function deployHistory(deps: HandlerDeps, request: HistoryRequest, deadline: AckDeadline) {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const { service } = target;
  const cluster = deps.kube.cluster(target.env.context);
  // Unreadable or late, the audit log leaves who and why to the cluster's annotations.
  const audited = withinBudget(
    auditedRevisions(deps, request).catch(() => undefined),
    deadline.share(),
  );
  const deploymentName =
    service.strategy === 'bluegreen' ? await liveColour(cluster, service, deadline) : service.deployment;
  const { current, sets } = await readHistory(cluster, service.namespace, deploymentName, request.env, deadline);
  const byRevision = await audited;
  const rows = sets
    .flatMap((set) => rowsOf(set, byRevision ?? new Map(), current.revision, service.container))
    .sort((a, b) => b.revision - a.revision)
    .slice(0, request.limit);
  return historyView(request.service, request.env, rows, sets.length, byRevision === undefined);
}

async function readHistory(cluster: Cluster, namespace: string, name: string, env: string, deadline: AckDeadline) {
  const read = async () => {
    const current = await cluster.readDeployment(namespace, name);
    if (!current)
      throw new UserError(`The Deployment ${namespace}/${name} does not exist in ${env}.`, {
        code: 'deployment_missing',
      });
    return { current, sets: await cluster.replicaSets(current) };
  };
  const found = await withinBudget(
    read().catch((error: unknown) => {
      throw explainKube(error, `read the history of ${namespace}/${name}`);
    }),
    deadline.share(),
  );
  if (!found)
    throw new UserError(`The ${env} cluster did not answer in time (Slack allows 3 s); try again in a moment.`, {
      code: 'kube_slow',
    });
  return found;
}

// Who finished each revision, and why, from a year of the audit log; the newest row wins.
async function auditedRevisions(deps: HandlerDeps, request: HistoryRequest): Promise<Map<number, Audited>> {
  const since = new Date(Date.now() - 365 * 86_400_000);
  const audited = await deps.audit.query({ since, target: `${request.service}/${request.env}`, limit: 500 });
  const byRevision = new Map<number, Audited>();
  for (const row of [...audited].reverse()) {
    const revision = Number((row.details as { revision?: unknown } | undefined)?.revision);
    if (row.event === 'result' && ['succeeded', 'rolled-back'].includes(row.decision) && Number.isInteger(revision)) {
      byRevision.set(revision, {
        who: `<@${row.actor}>${row.action?.startsWith('rollback') ? ' (rollback)' : ''}`,
        why: row.reason,
        at: row.at,
      });
    }
  }
  return byRevision;
}

function rowsOf(
  set: ReplicaSetState,
  byRevision: Map<number, Audited>,
  liveRevision: number | undefined,
  container: string,
): HistoryRow[] {
  const image = set.containers.find((candidate) => candidate.name === container)?.image ?? '?';
  const cause = CAUSE.exec(set.annotations['kubernetes.io/change-cause'] ?? '');
  return [set.revision, ...set.history].map((revision) => {
    const audit = byRevision.get(revision);
    const own = revision === set.revision;
    return {
      revision,
      uid: set.uid,
      version: tagOf(image),
      at: audit?.at ?? (own ? set.created : undefined),
      who: audit?.who ?? (own && cause ? `<@${cause[2]}>` : 'outside ops-bot'),
      why: own && cause?.[3] ? cause[3] : audit?.why,
      live: revision === liveRevision,
    };
  });
}

async function liveColour(cluster: Cluster, service: CatalogService, deadline: AckDeadline): Promise<string> {
  const base = service.deployment;
  const read = cluster.readService(service.namespace, service.service ?? base);
  const svc = await withinBudget(read, deadline.share());
  const colour = svc ? Object.values(svc.selector).find((value) => value === 'blue' || value === 'green') : undefined;
  return colour ? `${base}-${colour}` : `${base}-blue`;
}
