import { createHmac } from 'node:crypto';

// Slack's v0 request signature: HMAC-SHA256 over "v0:<timestamp>:<raw body>".
export function signSlackRequest(secret: string, body: string, timestamp: number): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}
