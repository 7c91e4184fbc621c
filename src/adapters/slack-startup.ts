import type { Logger } from 'pino';
import { z } from 'zod';
import { connectionReason } from './connection-errors.ts';

// auth.test answered by one plain HTTP request per attempt, outside the Web API client: the client's
// own retry policy (five retries in five minutes) made a start without a route to Slack log
// "fetch failed" for minutes and never exit (issue 16).
const answer = z.object({
  ok: z.boolean(),
  error: z.string().optional(),
  user_id: z.string().optional(),
  team_id: z.string().optional(),
});

export type SlackProbe = { ok: true; userId?: string; teamId?: string } | { ok: false; reason: string; final: boolean };

const TOKEN_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

export async function probeSlack(apiUrl: string, token: string, attemptMs: number): Promise<SlackProbe> {
  try {
    const response = await fetch(`${apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      signal: AbortSignal.timeout(attemptMs),
    });
    if (!response.ok)
      return {
        ok: false,
        reason: `HTTP ${response.status}`,
        final: response.status < 500 && response.status !== 429 && response.status !== 408,
      };
    const parsed = answer.safeParse(await response.json());
    if (!parsed.success) return { ok: false, reason: 'the answer is not a Slack Web API answer', final: true };
    if (parsed.data.ok) return { ok: true, userId: parsed.data.user_id, teamId: parsed.data.team_id };
    const code = parsed.data.error ?? 'unknown_error';
    if (TOKEN_ERRORS.has(code)) return { ok: false, reason: `invalid token: Slack said ${code}`, final: true };
    return { ok: false, reason: `Slack said ${code}`, final: false };
  } catch (error) {
    return { ok: false, reason: connectionReason(error), final: false };
  }
}

// Retries with doubling waits (250 ms up to 5 s) until timeoutMs has passed; an invalid token is
// not retried. Resolves with the last probe either way.
export async function waitForSlack(
  options: { apiUrl: string; token: string; timeoutMs: number; logger: Logger },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<SlackProbe> {
  const deadline = Date.now() + options.timeoutMs;
  let waitMs = 250;
  for (let attempt = 1; ; attempt += 1) {
    const left = deadline - Date.now();
    const probe = await probeSlack(options.apiUrl, options.token, Math.max(500, Math.min(5_000, left)));
    if (probe.ok || probe.final) return probe;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return probe;
    options.logger.warn(
      { url: `${options.apiUrl}auth.test`, reason: probe.reason, attempt },
      'Slack not reachable yet',
    );
    await sleep(Math.min(waitMs, remaining));
    waitMs = Math.min(waitMs * 2, 5_000);
  }
}
