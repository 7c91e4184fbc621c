import { historyView, type HistoryRow } from '../bot/views/history.ts';
import type { DeployRequest } from '../core/grammar/commands.ts';
import { tagOf } from '../core/plan.ts';
import { serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { explainKube } from '../jobs/kube-errors.ts';
import { CLUSTER_BUDGET_MS, withinBudget } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

type HistoryRequest = Extract<DeployRequest, { sub: 'history' }>;

const CAUSE = /^ops-bot: (?:rollback to )?(\S+) by <@([A-Z0-9]+)>(?: — (.*))?$/;

// Revisions from the cluster (each ReplicaSet's revision and the ones it had before a rollback reused
// it), who and why from the audit log, else from the change-cause annotation ("outside ops-bot" when
// neither knows).
export async function deployHistory(deps: HandlerDeps, request: HistoryRequest) {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const { service } = target;
  const cluster = deps.kube.cluster(target.env.context);
  const deploymentName =
    service.strategy === 'bluegreen'
      ? await liveColour(deps, cluster, service.service ?? service.deployment, service.namespace, service.deployment)
      : service.deployment;
  const read = async () => {
    const current = await cluster.readDeployment(service.namespace, deploymentName);
    if (!current)
      throw new UserError(`The Deployment ${service.namespace}/${deploymentName} does not exist in ${request.env}.`, {
        code: 'deployment_missing',
      });
    return { current, sets: await cluster.replicaSets(current) };
  };
  const found = await withinBudget(
    read().catch((error: unknown) => {
      throw explainKube(error, `read the history of ${service.namespace}/${deploymentName}`);
    }),
    CLUSTER_BUDGET_MS,
  );
  if (!found)
    throw new UserError(
      `The ${request.env} cluster did not answer within ${CLUSTER_BUDGET_MS / 1000} s; try again in a moment.`,
      { code: 'kube_slow' },
    );
  const { current, sets } = found;
  const since = new Date(Date.now() - 365 * 86_400_000);
  const audited = await deps.audit
    .query({ since, target: `${request.service}/${request.env}`, limit: 500 })
    .catch(() => []);
  const byRevision = new Map<number, { who: string; why: string | undefined; at: Date }>();
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
  const rows: HistoryRow[] = sets
    .flatMap((set) => {
      const image = set.containers.find((container) => container.name === service.container)?.image ?? '?';
      const cause = CAUSE.exec(set.annotations['kubernetes.io/change-cause'] ?? '');
      return [set.revision, ...set.history].map((revision) => {
        const audit = byRevision.get(revision);
        const who = audit?.who ?? (revision === set.revision && cause ? `<@${cause[2]}>` : 'outside ops-bot');
        const why = revision === set.revision && cause?.[3] ? cause[3] : audit?.why;
        return {
          revision,
          version: tagOf(image),
          at: audit?.at ?? (revision === set.revision ? set.created : undefined),
          who,
          why,
          live: revision === current.revision,
        };
      });
    })
    .sort((a, b) => b.revision - a.revision)
    .slice(0, request.limit);
  return historyView(request.service, request.env, rows, sets.length);
}

async function liveColour(
  _deps: HandlerDeps,
  cluster: ReturnType<HandlerDeps['kube']['cluster']>,
  serviceName: string,
  namespace: string,
  base: string,
): Promise<string> {
  const svc = await withinBudget(cluster.readService(namespace, serviceName), CLUSTER_BUDGET_MS);
  const colour = svc ? Object.values(svc.selector).find((value) => value === 'blue' || value === 'green') : undefined;
  return colour ? `${base}-${colour}` : `${base}-blue`;
}
