import { randomBytes } from 'node:crypto';
import { signSlackRequest } from '../../src/sandbox/slack/signing.ts';

export type LoadResult = { latencies: number[]; errors: number };

export type CommandOptions = { user?: string; channel?: string; responseUrl?: string };

export function slashCommandBody(command: string, text: string, options: CommandOptions | string = {}): string {
  const {
    user = 'U0ALICE001',
    channel = 'C0DEPLOYS01',
    responseUrl,
  } = typeof options === 'string' ? { user: options } : options;
  return new URLSearchParams({
    token: 'x',
    team_id: 'T0SANDBOX1',
    team_domain: 'ops-sandbox',
    channel_id: channel,
    channel_name: 'deploys',
    user_id: user,
    user_name: 'alice',
    command,
    text,
    api_app_id: 'A0OPSBOT01',
    is_enterprise_install: 'false',
    response_url: responseUrl ?? 'http://127.0.0.1:9/_sim/respond/none',
    trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`,
  }).toString();
}

// A block_actions delivery (a button press), form-encoded as Slack sends it.
export function buttonBody(action: { actionId: string; value?: string; messageTs: string }, options: CommandOptions) {
  const { user = 'U0ALICE001', channel = 'C0DEPLOYS01', responseUrl } = options;
  const payload = {
    type: 'block_actions',
    user: { id: user, username: 'someone', team_id: 'T0SANDBOX1' },
    api_app_id: 'A0OPSBOT01',
    container: { type: 'message', message_ts: action.messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`,
    team: { id: 'T0SANDBOX1', domain: 'ops-sandbox' },
    channel: { id: channel, name: 'deploys' },
    ...(responseUrl ? { response_url: responseUrl } : {}),
    actions: [
      {
        type: 'button',
        action_id: action.actionId,
        block_id: 'b',
        value: action.value ?? '',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export type SendOptions = {
  // Where the request with this index goes (a load balancer's round robin across replicas).
  url: (index: number) => string;
  // What the request says; each call makes a fresh body (new trigger_id).
  body: (index: number) => string;
  // The ack body, for checks of what was answered (only for runs that need it: reading costs).
  onAnswer?: (status: number, text: string, latencyMs: number) => void;
};

// Sends one signed request and times it to the end of the answer's body.
export async function sendSigned(
  url: string,
  secret: string,
  payload: string,
): Promise<{ status: number; text: string; ms: number }> {
  const headers = {
    // Events API deliveries are JSON; commands and interactions are forms.
    'content-type': payload.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded',
    ...signSlackRequest(secret, payload, Math.floor(Date.now() / 1000)),
  };
  const sent = performance.now();
  const response = await fetch(`${url}/slack/events`, { method: 'POST', headers, body: payload });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - sent };
}

// Open-loop load: requests leave on schedule whether or not earlier ones have answered, so a slow
// server shows up as latency rather than as a lower request rate.
export async function openLoop(
  target: string | SendOptions['url'],
  secret: string,
  ratePerSecond: number,
  durationMs: number,
  body: SendOptions['body'],
  onAnswer?: SendOptions['onAnswer'],
): Promise<LoadResult> {
  const urlOf = typeof target === 'string' ? () => target : target;
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
    inFlight.push(
      sendSigned(urlOf(index), secret, body(index)).then(
        ({ status, text, ms }) => {
          onAnswer?.(status, text, ms);
          if (status === 200) latencies.push(ms);
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

// An Events API delivery of a reaction, as Slack sends it (Bolt acknowledges these itself).
export function reactionEventBody(options: { user: string; channel: string; ts: string; reaction: string }): string {
  return JSON.stringify({
    token: 'x',
    team_id: 'T0SANDBOX1',
    api_app_id: 'A0OPSBOT01',
    type: 'event_callback',
    event_id: `Ev${randomBytes(6).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0SANDBOX1', user_id: 'U0OPSBOT01', is_bot: true }],
    event: {
      type: 'reaction_added',
      user: options.user,
      reaction: options.reaction,
      item_user: 'U0OPSBOT01',
      item: { type: 'message', channel: options.channel, ts: options.ts },
      event_ts: `${Date.now() / 1000}`,
    },
  });
}
