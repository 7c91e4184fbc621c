import { randomBytes } from 'node:crypto';
import { signSlackRequest } from '../../src/sandbox/slack/signing.ts';

export type LoadResult = { latencies: number[]; errors: number };

export function slashCommandBody(command: string, text: string, user = 'U0ALICE001'): string {
  return new URLSearchParams({
    token: 'x',
    team_id: 'T0SANDBOX1',
    team_domain: 'ops-sandbox',
    channel_id: 'C0DEPLOYS01',
    channel_name: 'deploys',
    user_id: user,
    user_name: 'alice',
    command,
    text,
    api_app_id: 'A0OPSBOT01',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/_sim/respond/none',
    trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`,
  }).toString();
}

// Open-loop load: requests leave on schedule whether or not earlier ones have answered, so a slow
// server shows up as latency rather than as a lower request rate.
export async function openLoop(
  url: string,
  secret: string,
  ratePerSecond: number,
  durationMs: number,
  body: () => string,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const interval = 1000 / ratePerSecond;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const payload = body();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(secret, payload, Math.floor(Date.now() / 1000)),
    };
    const sent = performance.now();
    inFlight.push(
      fetch(`${url}/slack/events`, { method: 'POST', headers, body: payload }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.status === 200) latencies.push(performance.now() - sent);
          else errors += 1;
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { latencies, errors };
}
