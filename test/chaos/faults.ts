import type { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import { eventually } from '../support/eventually.ts';
import type { OpsProcess } from '../support/ops-process.ts';
import { imageOf } from './catalog.ts';
import type { ChaosCluster } from './cluster.ts';

// Waits until the cluster received the real (non-dry-run) PATCH that starts rolling `service` to `version`.
export async function patched(kube: KubeSimulator, service: string, version: string): Promise<void> {
  await eventually(
    () => {
      const found = kube.requests.some(
        (request) =>
          request.method === 'PATCH' &&
          request.query.dryRun !== 'All' &&
          request.status === 200 &&
          JSON.stringify(request.body ?? '').includes(imageOf(service, version)),
      );
      if (!found) throw new Error(`${service} not patched to ${version} yet`);
    },
    { timeoutMs: 30_000, intervalMs: 20, what: `the PATCH of ${service} to ${version}` },
  );
}

// The worker running a job: the one that logged its start.
export async function workerRunning(cluster: ChaosCluster, jobId: string): Promise<OpsProcess> {
  return eventually(
    () => {
      const running = cluster.workers.find((worker) =>
        worker.logs().some((line) => line.jobId === jobId && line.msg === 'job started'),
      );
      if (!running) throw new Error(`no worker logged the start of ${jobId}`);
      return running;
    },
    { what: `the worker running ${jobId}` },
  );
}

export async function deployJobOf(cluster: ChaosCluster, service: string, env: string): Promise<string> {
  return eventually(
    async () => {
      const rows = await cluster.auditRows("action = 'deploy.start' AND target = $1", [`${service}/${env}`]);
      const jobId = rows.at(-1)?.job_id;
      if (typeof jobId !== 'string') throw new Error(`no start of a deploy of ${service} in ${env} yet`);
      return jobId;
    },
    { timeoutMs: 30_000, what: `the deploy job of ${service}` },
  );
}

// The steps of a job's end that Slack sees, in order: the progress message's final state, then the
// thread reply that tells the requester. After them come the lock release and BullMQ's completion.
export type EndStep = 'final message' | 'requester reply';

function isStep(step: EndStep, subject: string, call: { method: string; ok: boolean; args: Record<string, unknown> }) {
  const text = typeof call.args.text === 'string' ? call.args.text : '';
  if (!call.ok) return false;
  if (step === 'requester reply') {
    // "<@U…> *checkout* `1.4.2` to *staging*: *succeeded* (job …)", under the progress message.
    const [service, version, , env] = subject.split(' ');
    const said = `*${service}* \`${version}\` to *${env}*: *`;
    return call.method === 'chat.postMessage' && call.args.thread_ts !== undefined && text.includes(said);
  }
  if (call.method !== 'chat.update' || !text.startsWith(`${subject}: `)) return false;
  return /^[^:]*: (succeeded|failed|cancelled|canary aborted)/.test(text);
}

// Redis goes away the moment Slack receives `step` of a change's end: what follows (the reply, the
// lock release, BullMQ's completion) meets a Redis that is down, and stays down `downMs`.
export function restartRedisAt(cluster: ChaosCluster, step: EndStep, subject: string, downMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const unseen = setTimeout(() => {
      stopListening();
      reject(new Error(`Slack never received the ${step} of ${subject}`));
    }, 60_000);
    const stopListening = cluster.sim.onCall((call) => {
      if (!isStep(step, subject, call)) return;
      stopListening();
      clearTimeout(unseen);
      cluster.redis.restart(downMs).then(resolve, reject);
    });
  });
}
