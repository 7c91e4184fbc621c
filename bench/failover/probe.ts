import { Redis } from 'ioredis';
import { signSlackRequest } from '../../src/sandbox/slack/signing.ts';
import { BENCH_SECRET } from '../lib/fleet.ts';
import { slashCommandBody } from '../lib/load.ts';
import { sleep } from '../faults/scenario.ts';

// The refusal a command must get while Redis is away (src/handlers/queue-errors.ts): never silence.
export const QUEUE_REFUSAL = 'cannot reach its job queue';
// Slack gives up on an answer after 3 s; an answer later than that is silence to the person.
const SLACK_GIVES_UP_MS = 3_000;
const PROBE_EVERY_MS = 250;

export type ProbeAnswer = {
  sentAt: number;
  answeredAt: number;
  kind: 'accepted' | 'refused' | 'other' | 'silent';
  text: string;
};

// One signed `/ops whoami` (it enqueues a job: the ack waits on Redis), given up at 3 s as Slack does.
async function whoami(botUrl: string, responseUrl: string): Promise<ProbeAnswer> {
  const body = slashCommandBody('/ops', 'whoami', { responseUrl });
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    ...signSlackRequest(BENCH_SECRET, body, Math.floor(Date.now() / 1000)),
  };
  const sentAt = Date.now();
  try {
    const signal = AbortSignal.timeout(SLACK_GIVES_UP_MS);
    const response = await fetch(`${botUrl}/slack/events`, { method: 'POST', headers, body, signal });
    const text = await response.text();
    const kind = text.includes(QUEUE_REFUSAL)
      ? 'refused'
      : response.status === 200 && !/could not|cannot|went wrong/i.test(text)
        ? 'accepted'
        : 'other';
    return { sentAt, answeredAt: Date.now(), kind, text: `${response.status} ${said(text)}` };
  } catch (error) {
    return { sentAt, answeredAt: Date.now(), kind: 'silent', text: String(error) };
  }
}

// The words of an ack (its `text`), not its blocks.
function said(body: string): string {
  try {
    return String((JSON.parse(body) as { text?: unknown }).text ?? body);
  } catch {
    return body;
  }
}

// Commands sent on a schedule (open loop: a slow answer does not slow the probing) until `done`.
export async function probeCommands(
  botUrl: string,
  responseUrl: string,
  done: (answers: ProbeAnswer[]) => boolean,
  timeoutMs: number,
): Promise<ProbeAnswer[]> {
  const answers: ProbeAnswer[] = [];
  const inFlight: Promise<void>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(answers) && Date.now() < deadline) {
    inFlight.push(whoami(botUrl, responseUrl).then((answer) => void answers.push(answer)));
    await sleep(PROBE_EVERY_MS);
  }
  await Promise.all(inFlight);
  return answers.sort((a, b) => a.sentAt - b.sentAt);
}

// When the bot took commands again: the first accepted answer to a command sent after the last one
// that was not accepted (refused, silent or anything else). Undefined while that has not happened.
export function acceptingAgainAt(answers: ProbeAnswer[]): number | undefined {
  const sorted = [...answers].sort((a, b) => a.sentAt - b.sentAt);
  const lastBad = sorted.findLastIndex((answer) => answer.kind !== 'accepted');
  return sorted.slice(lastBad + 1).find((answer) => answer.kind === 'accepted')?.answeredAt;
}

// What one sentinel announces (it publishes each event on a channel of that name), with arrival times.
export async function watchSentinel(
  port: number,
): Promise<{ first: (event: string) => number | undefined; close: () => void }> {
  const events = ['+sdown', '+odown', '+switch-master'];
  const seen = new Map<string, number>();
  const subscriber = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (channel: string, message: string) => {
    // +sdown is also published for replicas and sentinels; only the master's counts.
    if (channel === '+sdown' && !message.startsWith('master ')) return;
    if (!seen.has(channel)) seen.set(channel, Date.now());
  });
  await subscriber.subscribe(...events);
  return { first: (event) => seen.get(event), close: () => subscriber.disconnect() };
}
