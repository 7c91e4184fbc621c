import type { Severity } from './grammar/values.ts';
import { esc } from './mrkdwn.ts';
import { REOPEN_WINDOW_MS, type IncidentStatus, type SeverityChange } from './incident.ts';
import { formatDuration } from './duration.ts';

// What the transitions need of an incident; the store holds more (channel, messages, steps).
export type IncidentState = {
  status: IncidentStatus;
  severity: Severity;
  commander: string | undefined;
  acknowledgedAt: Date | undefined;
  acknowledgedBy: string | undefined;
  resolvedAt: Date | undefined;
  firstResolvedAt: Date | undefined;
  resolvedBy: string | undefined;
  summary: string | undefined;
  lastUpdateAt: Date;
  severityHistory: SeverityChange[];
  version: number;
  clockGen: number;
};

export type IncidentEvent =
  | { type: 'acknowledge'; actor: string; admin: boolean }
  | { type: 'severity'; actor: string; to: Severity }
  | { type: 'update'; actor: string; status: Exclude<IncidentStatus, 'resolved'> | undefined; text: string }
  | { type: 'resolve'; actor: string; summary: string | undefined }
  | { type: 'reopen'; actor: string };

// Side effects the worker carries out after the transition committed (see jobs/incident/effects.ts).
export type IncidentEffect = 'announce-severity' | 'post-update' | 'resolve' | 'reopen' | 'acknowledged';

export type TimelineEntry = { kind: string; actor: string; text: string; at: Date };

export type Transition =
  | {
      ok: true;
      state: IncidentState;
      timeline: TimelineEntry[];
      effects: IncidentEffect[];
      clocks: 'keep' | 'restart' | 'stop';
      answer: string;
    }
  | { ok: false; message: string; code: string };

function refuse(message: string, code: string): Transition {
  return { ok: false, message, code };
}

type EventOf<T extends IncidentEvent['type']> = Extract<IncidentEvent, { type: T }>;

// Each transition starts from the state one version on and writes timeline entries as the actor, now.
function begin(state: IncidentState, actor: string, now: Date) {
  const next: IncidentState = { ...state, version: state.version + 1 };
  const entry = (kind: string, text: string): TimelineEntry => ({ kind, actor, text, at: now });
  return { next, entry };
}

function acknowledge(state: IncidentState, event: EventOf<'acknowledge'>, now: Date): Transition {
  const { next, entry } = begin(state, event.actor, now);
  const timeline: TimelineEntry[] = [];
  if (!state.acknowledgedAt) {
    next.acknowledgedAt = now;
    next.acknowledgedBy = event.actor;
    timeline.push(entry('acknowledged', `Acknowledged by <@${event.actor}>`));
  }
  if (state.commander === event.actor) {
    if (timeline.length === 0) return refuse('You are already the commander of this incident.', 'already_commander');
  } else if (state.commander === undefined || event.admin) {
    next.commander = event.actor;
    const was = state.commander ? ` (was <@${state.commander}>)` : '';
    timeline.push(entry('commander', `<@${event.actor}> is now the commander${was}`));
  } else if (timeline.length === 0) {
    return refuse(
      `<@${state.commander}> is the commander. Only they or an incident admin may hand the incident over.`,
      'not_commander',
    );
  }
  return {
    ok: true,
    state: next,
    timeline,
    effects: state.acknowledgedAt ? [] : ['acknowledged'],
    clocks: 'keep',
    answer: next.commander === event.actor ? 'You are the commander of this incident.' : 'Acknowledged.',
  };
}

function changeSeverity(state: IncidentState, event: EventOf<'severity'>, now: Date): Transition {
  if (event.to === state.severity) return refuse(`The incident is ${state.severity} already.`, 'same_severity');
  const { next, entry } = begin(state, event.actor, now);
  next.severity = event.to;
  next.severityHistory = [
    ...state.severityHistory,
    { at: now.toISOString(), from: state.severity, to: event.to, by: event.actor },
  ];
  next.clockGen = state.clockGen + 1;
  return {
    ok: true,
    state: next,
    timeline: [entry('severity', `Severity ${state.severity} → ${event.to} by <@${event.actor}>`)],
    effects: ['announce-severity'],
    clocks: 'restart',
    answer: `Severity is now ${event.to}; its clocks start again.`,
  };
}

function postUpdate(state: IncidentState, event: EventOf<'update'>, now: Date): Transition {
  const { next, entry } = begin(state, event.actor, now);
  next.lastUpdateAt = now;
  const timeline: TimelineEntry[] = [];
  if (event.status && event.status !== state.status) {
    next.status = event.status;
    timeline.push(entry('status', `Status ${state.status} → ${event.status} by <@${event.actor}>`));
  }
  timeline.push(entry('update', esc(event.text)));
  return { ok: true, state: next, timeline, effects: ['post-update'], clocks: 'keep', answer: 'Update posted.' };
}

function resolve(state: IncidentState, event: EventOf<'resolve'>, now: Date): Transition {
  const { next, entry } = begin(state, event.actor, now);
  next.status = 'resolved';
  next.resolvedAt = now;
  next.firstResolvedAt = state.firstResolvedAt ?? now;
  next.resolvedBy = event.actor;
  next.summary = event.summary ?? state.summary;
  next.clockGen = state.clockGen + 1;
  const summary = event.summary ? `: ${esc(event.summary)}` : '';
  return {
    ok: true,
    state: next,
    timeline: [entry('resolved', `Resolved by <@${event.actor}>${summary}`)],
    effects: ['resolve'],
    clocks: 'stop',
    answer: 'Resolved. The summary and a postmortem draft follow in the channel.',
  };
}

function reopen(state: IncidentState, event: EventOf<'reopen'>, now: Date): Transition {
  if (state.status !== 'resolved' || !state.resolvedAt)
    return refuse('This incident is open; there is nothing to reopen.', 'not_resolved');
  const since = now.getTime() - state.resolvedAt.getTime();
  const resolvedFor = formatDuration(since);
  if (since > REOPEN_WINDOW_MS)
    return refuse(
      `This incident was resolved ${resolvedFor} ago; reopening works within 24 hours. Declare a new incident instead.`,
      'reopen_too_late',
    );
  const { next, entry } = begin(state, event.actor, now);
  next.status = 'investigating';
  next.resolvedAt = undefined;
  next.resolvedBy = undefined;
  next.lastUpdateAt = now;
  next.clockGen = state.clockGen + 1;
  return {
    ok: true,
    state: next,
    timeline: [entry('reopened', `Reopened by <@${event.actor}>`)],
    effects: ['reopen'],
    clocks: 'restart',
    answer: 'Reopened: clocks run again.',
  };
}

// The rules of an incident's life, pure: who may do what was checked by the caller (roles need
// Slack), what follows from it is decided here, in one place, and tested on its own.
export function applyIncidentEvent(state: IncidentState, event: IncidentEvent, now: Date): Transition {
  if (event.type !== 'reopen' && state.status === 'resolved')
    return refuse(
      'This incident is resolved; `/incident reopen` opens it again (within 24 hours of the resolution).',
      'resolved',
    );
  switch (event.type) {
    case 'acknowledge':
      return acknowledge(state, event, now);
    case 'severity':
      return changeSeverity(state, event, now);
    case 'update':
      return postUpdate(state, event, now);
    case 'resolve':
      return resolve(state, event, now);
    case 'reopen':
      return reopen(state, event, now);
  }
}
