import { KubeError, type KubeCluster } from '../adapters/kube.ts';
import type { View } from '../bot/views/blocks.ts';
import { eventsView, fitLogLines, logsView, podsView, slowClusterView } from '../bot/views/lookups.ts';
import type { OpsRequest } from '../core/grammar/commands.ts';
import {
  defaultPod,
  eventsOfService,
  podRow,
  podsOfService,
  problemOf,
  redactor,
  serviceDeployments,
  type LookedPod,
} from '../core/lookups.ts';
import { didYouMean } from '../core/suggest.ts';
import { serviceTarget, type ServiceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { explainKube } from '../jobs/kube-errors.ts';
import { replyToRequester } from '../jobs/reply.ts';
import { requireEitherRole } from './authorize.ts';
import { AFTER_ACK_MS, withinBudget } from './budget.ts';
import type { CommandTurn } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { viewOfError } from './error-boundary.ts';

type LookupRequest = Extract<OpsRequest, { sub: 'pods' | 'events' | 'logs' }>;
type Where = { service: string; env: string; namespace: string };

// What the reply itself needs once the cluster has answered.
const REPLY_RESERVE_MS = 150;
// A log read is bounded in bytes too: 500 lines of stack traces stay well under it.
const LOG_LIMIT_BYTES = 1_000_000;

// /ops pods|events|logs <service> <env>: read-only, for whoever may deploy or roll back (the people
// who act on what they see), audited like every request. Answered in the ack when the cluster is
// prompt; otherwise the answer follows through response_url (decision 0034).
export async function opsLookup(deps: HandlerDeps, turn: CommandTurn, request: LookupRequest): Promise<View> {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  await requireEitherRole(deps, turn.payload.user_id, ['deploy', 'rollback']);
  const cluster = deps.kube.cluster(target.env.context);
  const where = { service: request.service, env: request.env, namespace: target.service.namespace };
  await turn.accept(acceptance(request));
  const work = answer({ deps, turn, cluster, target, where }, request).catch((error: unknown) => {
    throw explainKube(error, `read the ${request.sub} of ${request.service} in ${request.env}`);
  });
  const answered = await withinBudget(work, turn.deadline.share(Number.POSITIVE_INFINITY, REPLY_RESERVE_MS));
  if (answered) return answered;
  void answerLater(deps, turn, work);
  return slowClusterView(request.env);
}

// Who (the row's actor), what and on which target; for logs, the pod and container once known.
function acceptance(request: LookupRequest, read: Record<string, unknown> = {}) {
  const asked =
    request.sub === 'logs'
      ? {
          tail: request.tail,
          ...(request.pod ? { pod: request.pod } : {}),
          ...(request.sinceMs ? { sinceMs: request.sinceMs } : {}),
        }
      : {};
  return { action: `ops.${request.sub}`, target: `${request.service}/${request.env}`, details: { ...asked, ...read } };
}

// The cluster was slow: its answer (or its refusal) replaces the "slow" note, within response_url's life.
async function answerLater(deps: HandlerDeps, turn: CommandTurn, work: Promise<View>): Promise<void> {
  const view = await withinBudget(
    work.catch((error: unknown) => viewOfError(error, turn.correlationId, deps.logger)),
    AFTER_ACK_MS,
  );
  const reply = view ?? viewOfError(tooSlow(), turn.correlationId, deps.logger);
  await replyToRequester(deps.slack, turn.envelope(), reply).catch((error: unknown) =>
    deps.logger.warn({ err: error }, 'could not deliver a late look-up answer'),
  );
}

const tooSlow = () =>
  new UserError('The cluster did not answer within 30 s.', { hint: 'Try again in a minute.', code: 'kube_slow' });

type Look = { deps: HandlerDeps; turn: CommandTurn; cluster: KubeCluster; target: ServiceTarget; where: Where };

async function answer(look: Look, request: LookupRequest): Promise<View> {
  const { deps, cluster, target, where } = look;
  const deployments = serviceDeployments(target.service);
  const { pods, sets } = await cluster.lookPods(where.namespace);
  const mine = podsOfService(pods, sets, deployments);
  const now = deps.now();
  if (request.sub === 'logs') return logs(look, request, mine);
  if (request.sub === 'pods')
    return podsView(
      where,
      mine.map((pod) => podRow(pod, target.service.container, now)),
    );
  const events = eventsOfService(await cluster.lookEvents(where.namespace), sets, mine, deployments);
  return eventsView(where, events, now, redactor(deps.catalog.redact));
}

async function logs(look: Look, request: Extract<LookupRequest, { sub: 'logs' }>, mine: LookedPod[]): Promise<View> {
  const { deps, cluster, target, where } = look;
  const now = deps.now();
  const pod = request.pod ? mine.find((candidate) => candidate.name === request.pod) : defaultPod(mine, now);
  if (!pod) throw request.pod ? unknownPod(request.pod, mine, where) : noPods(where);
  const names = pod.specContainers.map((container) => container.name);
  const container = names.includes(target.service.container) ? target.service.container : (names[0] ?? '');
  const problem = problemOf(pod, now);
  // The row is written after the reply: when the answer is in time, it names the pod that was read.
  await look.turn.accept(acceptance(request, { pod: pod.name, container }));
  const text = await cluster
    .podLog(where.namespace, pod.name, {
      container,
      tailLines: request.tail,
      limitBytes: LOG_LIMIT_BYTES,
      ...(request.sinceMs ? { sinceSeconds: Math.ceil(request.sinceMs / 1000) } : {}),
    })
    .catch((error: unknown) => {
      throw noLog(error, pod.name, problem);
    });
  const redact = redactor(deps.catalog.redact);
  const lines = text
    .split('\n')
    .filter((line, index, all) => line !== '' || index < all.length - 1)
    .map(redact);
  const fitted = fitLogLines(lines);
  if (fitted.cut > 0) void sendLogFile(look, pod.name, lines);
  return logsView(where, {
    pod: pod.name,
    container,
    problem,
    lines: fitted.shown,
    cut: fitted.cut,
    total: lines.length,
    chosen: request.pod === undefined,
    file: fitted.cut > 0 ? 'sent' : 'none',
  });
}

// The whole (redacted) log, to the person alone: a direct message, as the answer itself is ephemeral.
async function sendLogFile(look: Look, pod: string, lines: string[]): Promise<void> {
  const { deps, turn, where } = look;
  const user = turn.payload.user_id;
  try {
    const channel = await deps.slack.openDirectMessage(user);
    await deps.slack.uploadFile(channel, {
      filename: `${pod}.log`,
      title: `${where.service} in ${where.env}: ${pod} (last ${lines.length} lines, redacted)`,
      content: `${lines.join('\n')}\n`,
      comment: `The log you asked for with \`${turn.payload.command} ${turn.payload.text}\`.`,
    });
  } catch (error) {
    deps.logger.warn({ err: error, pod }, 'could not send a log file');
    const text = `ops-bot could not send you the full log of \`${pod}\` as a file; the message above has its last lines.`;
    await deps.slack.postEphemeral(turn.payload.channel_id, user, { text }).catch(() => undefined);
  }
}

function unknownPod(named: string, mine: LookedPod[], where: Where): UserError {
  const names = mine.map((pod) => pod.name);
  const listed = names.length > 0 ? ` (its pods: ${names.slice(0, 10).join(', ')})` : ' (it has no pods now)';
  return new UserError(
    `There is no pod \`${named}\` of ${where.service} in ${where.env}${listed}.${didYouMean(named, names)}`,
    { hint: `\`/ops pods ${where.service} ${where.env}\` lists them.`, code: 'unknown_pod' },
  );
}

function noPods(where: Where): UserError {
  return new UserError(
    `${where.service} has no pods in ${where.env} (namespace ${where.namespace}) to read logs from.`,
    {
      code: 'no_pods',
    },
  );
}

// A container that has not started has no log: Kubernetes says why (400 "is waiting to start").
function noLog(error: unknown, pod: string, problem: string | undefined): unknown {
  if (!(error instanceof KubeError) || error.kind !== 'invalid') return error;
  return new UserError(`\`${pod}\` has no log to show: ${error.message}`, {
    ...(problem ? { hint: `ops-bot sees: ${problem}` } : {}),
    code: 'no_log',
  });
}
