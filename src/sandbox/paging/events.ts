// PagerDuty Events API v2 rules for POST /v2/enqueue, as its documentation states them: a 32-character
// routing_key, event_action trigger|acknowledge|resolve, a dedup_key of at most 255 characters (needed
// to acknowledge or resolve), and for a trigger a payload with summary (≤ 1024), source and severity
// (critical|error|warning|info). Anything else is "invalid event", with one line per problem.

export type EnqueueEvent = {
  routingKey: string;
  action: 'trigger' | 'acknowledge' | 'resolve';
  dedupKey: string | undefined;
  payload: { summary: string; source: string; severity: string } | undefined;
};

const ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function payloadErrors(payload: unknown): string[] {
  if (!isRecord(payload)) return ["'payload' is missing or not an object."];
  const errors: string[] = [];
  const { summary, source, severity } = payload;
  if (typeof summary !== 'string' || summary.length === 0) errors.push("'payload.summary' is missing or blank.");
  else if (summary.length > 1024) errors.push("Length of 'payload.summary' is too long (maximum 1024 characters).");
  if (typeof source !== 'string' || source.length === 0) errors.push("'payload.source' is missing or blank.");
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity))
    errors.push(`'payload.severity' is invalid (must be one of ${SEVERITIES.join(', ')}).`);
  return errors;
}

export function validateEvent(body: unknown): { event: EnqueueEvent } | { errors: string[] } {
  if (!isRecord(body)) return { errors: ['Event object is not a JSON object.'] };
  const errors: string[] = [];
  const { routing_key: routingKey, event_action: action, dedup_key: dedupKey } = body;
  if (typeof routingKey !== 'string' || routingKey.length === 0) errors.push("'routing_key' is missing or blank.");
  else if (routingKey.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters).");
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action))
    errors.push("'event_action' is invalid (must be one of trigger, acknowledge, resolve).");
  if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters.");
  if ((action === 'acknowledge' || action === 'resolve') && (typeof dedupKey !== 'string' || dedupKey === ''))
    errors.push(`'dedup_key' is required for ${action} events.`);
  if (action === 'trigger') errors.push(...payloadErrors(body.payload));
  if (errors.length > 0) return { errors };
  const payload = isRecord(body.payload) ? body.payload : undefined;
  return {
    event: {
      routingKey: routingKey as string,
      action: action as EnqueueEvent['action'],
      dedupKey: typeof dedupKey === 'string' ? dedupKey : undefined,
      payload:
        action === 'trigger' && payload
          ? { summary: String(payload.summary), source: String(payload.source), severity: String(payload.severity) }
          : undefined,
    },
  };
}
