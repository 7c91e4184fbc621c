import { jobAudit, jobResult, type JobAudit, type JobResult } from '../job-audit.ts';
import type { CatalogService } from '../../core/catalog.ts';
import { imageFor, planTarget, tagOf, type WorkloadPlan } from '../../core/plan.ts';
import { imageOf } from '../../core/rollout.ts';
import { deployLockKey, serviceTarget } from '../../core/targets.ts';
import { releaseOutcomeOf } from '../../core/release.ts';
import { UserError } from '../../core/user-error.ts';
import type { KubeCluster } from '../../adapters/kube.ts';
import type { Lease } from '../../adapters/locks.ts';
import { ensureAllowed } from '../change-allowed.ts';
import { noteIncidentAction } from '../incident/actions.ts';
import { explainKube } from '../kube-errors.ts';
import { newRelease, releaseFound, type Found } from './ledger.ts';
import { announceOutcome, refusedAtExecution, supersedeWaiting } from './outcome.ts';
import type { ProcessorDeps, ProcessorInput } from '../processor.ts';
import type { DeployOutcome } from './rolling.ts';
import { DeployRun, type ChangeData } from './run.ts';
import { showResolvedDigest } from './resolved-digest.ts';

// A change (deploy or rollback) runs only if everything that made it allowed still holds: the plan
// is the one approved (or the environment needs no approval), its image is the catalog's, no freeze
// started meanwhile, its audit row is written, the target lock is ours, and the target is still what
// the plan was made from. A job resumed after its worker died continues from its last checkpoint.
export async function runGuarded<P extends WorkloadPlan>(
  input: ProcessorInput<'deploy' | 'rollback'>,
  execute: (run: DeployRun<P>) => Promise<DeployOutcome>,
): Promise<DeployOutcome> {
  const data = input.data as ChangeData<P>;
  const jobId = input.job.id ?? `${data.plan.kind}-unknown`;
  const opened: Opened<P> = {};
  try {
    return await startGuarded(input, opened, execute);
  } catch (error) {
    // Refused before its progress message existed: the approval message says so (deploy/outcome.ts).
    if (!opened.run) await refusedAtExecution(input.deps, data, jobId, error);
    throw error;
  }
}

// The run, once its progress message exists.
type Opened<P extends WorkloadPlan> = { run?: DeployRun<P> };

async function startGuarded<P extends WorkloadPlan>(
  input: ProcessorInput<'deploy' | 'rollback'>,
  opened: Opened<P>,
  execute: (run: DeployRun<P>) => Promise<DeployOutcome>,
): Promise<DeployOutcome> {
  const { deps, job } = input;
  const data = input.data as ChangeData<P>;
  const { plan } = data;
  const jobId = job.id ?? `${plan.kind}-unknown`;
  const resumed = data.resume !== undefined && data.resume.stage !== 'started';
  const finished = await finishedBefore(deps, data, jobId);
  if (finished) return finished;
  const target = serviceTarget(deps.catalog, plan.service, plan.env);
  if (!fromCatalog(plan, target.service))
    throw new UserError("The job's image is not the catalog's image for this service; it was not run.", {
      code: 'plan_tampered',
    });
  await ensureAllowed(deps, data, resumed);
  const audit = changeAudit(deps, data, jobId);
  const release = await newRelease(deps, data, jobId);
  // The ledger's row commits with the start row; a resumed or re-run job finds it there and adds none.
  await audit(
    resumed ? 'resume' : 'start',
    resumed ? 'resumed' : 'started',
    undefined,
    data.approvalId ? { approvalId: data.approvalId } : {},
    (client) => deps.releases.start(client, release),
  ).catch((error: unknown) => {
    deps.logger.error({ err: error }, 'could not write the start of a change to the audit log');
    throw new UserError(`The audit log could not be written, so this ${plan.kind} was not run.`, {
      code: 'audit_unavailable',
    });
  });
  // From here every way out writes exactly one result row: a start never stays without its result.
  const result = resultRow(changeResult(deps, data, jobId), deps, jobId);
  try {
    if (data.approvalId) await deps.approvals.markStarted(data.approvalId);
    const what = describeChange(plan);
    if (!resumed)
      await noteIncidentAction(deps, data.channelId, data.requestedBy.userId, `Started the ${what} (job \`${jobId}\`)`);
    const lease = await lockTarget(deps, data, jobId, what);
    const by = `the ${what} by <@${data.requestedBy.userId}> (job \`${jobId}\`)`;
    const guard: Guard<P> = { input, data, jobId, resumed, service: target.service, result, by, opened };
    return await executeLocked(guard, lease, execute);
  } catch (error) {
    const refused = error instanceof UserError;
    await result.write(refused ? 'refused' : 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
}

// A job run again after its worker stalled (Redis away while it ended, so BullMQ never heard) finds its
// change's result in the audit log and ends quietly: nothing is run, posted or audited twice.
async function finishedBefore(
  deps: ProcessorDeps,
  data: ChangeData<WorkloadPlan>,
  jobId: string,
): Promise<DeployOutcome | undefined> {
  const since = new Date(Date.parse(data.requestedAt) - 60_000);
  const rows = await deps.audit.query({ since, jobId, limit: 50 }).catch(() => []);
  const row = rows.find((candidate) => candidate.action === `${data.plan.kind}.result`);
  if (!row) return undefined;
  deps.logger.info({ decision: row.decision }, 'this change already finished; ending the job quietly');
  return { decision: row.decision as DeployOutcome['decision'], detail: row.reason ?? 'already finished' };
}

// The result row of a change: written once, whichever way the change ends, with the release's outcome
// in the ledger in the same transaction; a failure to write it is logged, never turned into a second
// outcome. `superseded` when another run of this job (one BullMQ handed the job to after this worker
// lost its lock) wrote the result first: this run then tells nobody (decision 0027).
type ResultRow = {
  written: boolean;
  superseded: boolean;
  write(decision: string, detail: string, details?: Record<string, unknown>, found?: Found): Promise<void>;
};

function resultRow(once: JobResult, deps: ProcessorDeps, jobId: string): ResultRow {
  const row: ResultRow = {
    written: false,
    superseded: false,
    async write(decision, detail, details = {}, found = {}) {
      if (row.written) return;
      row.written = true;
      const outcome = releaseOutcomeOf(decision);
      const release = deps.releases.finishing({ jobId, outcome, detail, ...found });
      const wrote = await once(decision, detail, details, release.write).catch((error: unknown) => {
        deps.logger.error({ err: error, decision }, 'could not write the result of a change to the audit log');
        return undefined;
      });
      if (wrote) release.committed();
      if (wrote !== false) return;
      row.superseded = true;
      deps.logger.warn({ decision }, 'another run of this job recorded its result first; this one ends quietly');
    },
  };
  return row;
}

// A change that passed its checks, about to run under the target's lock.
type Guard<P extends WorkloadPlan> = {
  input: ProcessorInput<'deploy' | 'rollback'>;
  data: ChangeData<P>;
  jobId: string;
  resumed: boolean;
  service: CatalogService;
  result: ResultRow;
  by: string;
  opened: Opened<P>;
};

function changeSubject(data: ChangeData<WorkloadPlan>) {
  const { plan } = data;
  return {
    kind: plan.kind,
    target: planTarget(plan),
    planHash: data.planHash,
    details: { from: plan.from.image, to: plan.to.image, strategy: plan.strategy },
  };
}

function changeAudit(deps: ProcessorDeps, data: ChangeData<WorkloadPlan>, jobId: string): JobAudit {
  return jobAudit(deps.audit, data, jobId, changeSubject(data));
}

function changeResult(deps: ProcessorDeps, data: ChangeData<WorkloadPlan>, jobId: string): JobResult {
  return jobResult(deps.audit, data, jobId, changeSubject(data));
}

function describeChange(plan: WorkloadPlan): string {
  return plan.kind === 'rollback'
    ? `rollback of ${plan.service} to ${plan.to.version} in ${plan.env}`
    : `${plan.strategy} deploy of ${plan.service} ${plan.to.version} to ${plan.env}`;
}

async function lockTarget(deps: ProcessorDeps, data: ChangeData<WorkloadPlan>, jobId: string, what: string) {
  const { plan } = data;
  const lock = await deps.locks.acquire(deployLockKey(plan.service, plan.env), {
    jobId,
    userId: data.requestedBy.userId,
    what,
  });
  if (!('busy' in lock)) return lock.lease;
  const holder = `<@${lock.busy.userId}> (job \`${lock.busy.jobId}\`: ${lock.busy.what})`;
  throw new UserError(`${plan.service} in ${plan.env} is being changed by ${holder}; this ${plan.kind} was not run.`, {
    code: 'locked',
  });
}

async function executeLocked<P extends WorkloadPlan>(
  guard: Guard<P>,
  lease: Lease,
  execute: (run: DeployRun<P>) => Promise<DeployOutcome>,
): Promise<DeployOutcome> {
  const { input, data, result } = guard;
  const { deps, job, signal } = input;
  const { plan } = data;
  let run: DeployRun<P> | undefined;
  try {
    const cluster = deps.kube.cluster(plan.context);
    if (!guard.resumed) await ensureUnchanged(cluster, plan, result);
    run = new DeployRun<P>(deps, job, data, cluster, guard.service, signal);
    await run.open();
    guard.opened.run = run;
    if (!guard.resumed)
      await supersedeWaiting(deps, data, guard.by).catch((error: unknown) =>
        deps.logger.error({ err: error }, 'could not mark the requests this change supersedes'),
      );
    const outcome = await execute(run);
    const found = await releaseFound(cluster, plan, outcome);
    // The final message offers Promote only with the digest the release ran.
    run.set({ digest: found.digest ?? null });
    // The durable record first: a job re-run after a stall recognises its change by this row.
    await result.write(outcome.decision, outcome.detail, { revision: outcome.revision }, found);
    await showResolvedDigest(deps, data, found.digest);
    return outcome;
  } catch (error) {
    const explained = explainKube(error, `${plan.kind} ${plan.service}`);
    const why = explained instanceof Error ? explained.message : String(explained);
    run?.set({ phase: 'failed', failure: why });
    await result.write('failed', why);
    throw explained;
  } finally {
    await run
      ?.close()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'could not write the final message'));
    // The target is free as soon as its message says the change ended; telling people comes after.
    // A superseded run still ends its message (the other run may be done with it already, and the
    // message must not stay "rolling out"), but leaves the outcome reply to the run that recorded it.
    await lease.release();
    if (guard.opened.run && !result.superseded) await announceOutcome(guard.opened.run);
  }
}

// A deploy's image is exactly the catalog's repository at the requested version; a rollback's comes
// from the cluster's own history but must still be the catalog's repository.
function fromCatalog(plan: WorkloadPlan, service: CatalogService): boolean {
  if (plan.kind === 'deploy') return imageFor(service.image, plan.to.digest ?? plan.to.version) === plan.to.image;
  return plan.to.image.startsWith(`${service.image}:`) || plan.to.image.startsWith(`${service.image}@`);
}

// The plan was made from what ran then; if something else changed the target since, nothing runs.
async function ensureUnchanged(cluster: KubeCluster, plan: WorkloadPlan, result: ResultRow): Promise<void> {
  const where = `${plan.namespace}/${plan.deployment}`;
  const current = await cluster.readDeployment(plan.namespace, plan.deployment).catch((error: unknown) => {
    throw explainKube(error, `read ${where}`);
  });
  if (!current)
    throw new UserError(`The Deployment ${where} no longer exists; nothing was changed.`, {
      code: 'deployment_missing',
    });
  const running = imageOf(current, plan.container);
  let changed =
    running !== plan.from.image || (plan.from.revision !== undefined && current.revision !== plan.from.revision);
  if (!changed && plan.bluegreen) {
    const service = await cluster.readService(plan.namespace, plan.bluegreen.service);
    changed = service?.selector[plan.bluegreen.colourKey] !== plan.bluegreen.liveColour;
  }
  if (!changed) return;
  const now = `${tagOf(running ?? '?')} (rev ${current.revision ?? '?'})`;
  await result.write('refused', `target changed since the plan: now ${now}`);
  const planned = `${tagOf(plan.from.image)} (rev ${plan.from.revision ?? '?'})`;
  const moved = `${plan.service} in ${plan.env} changed since this was planned and approved`;
  const refusal = `${moved}: it now runs ${now}, not ${planned}.`;
  throw new UserError(
    `${refusal} Nothing was changed; run the command again to plan and approve against what runs now.`,
    {
      code: 'plan_changed',
    },
  );
}
