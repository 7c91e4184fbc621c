import { type IncidentRecord } from '../../core/incident-record.ts';
import { lastChangeWords, lastChangesOf } from '../../core/last-change.ts';
import { esc } from '../../core/mrkdwn.ts';
import type { Severity } from '../../core/grammar/values.ts';
import { actions, context, fields, header, section, view, type Block, type View, slackDate } from './blocks.ts';
import { rollbackButtonValue } from '../../core/rollback-button.ts';
import { DEPLOY_ROLLBACK } from './deploy.ts';
import { pagingStatusOf, pagingWords } from '../../core/paging.ts';

export const INCIDENT_ACK = 'incident_ack';
export const INCIDENT_SEVERITY = 'incident_severity';
export const INCIDENT_UPDATE = 'incident_update';
export const INCIDENT_RESOLVE = 'incident_resolve';
export const INCIDENT_CHECKLIST = 'incident_checklist';

export const SEVERITY_EMOJI: Record<Severity, string> = {
  P0: ':red_circle:',
  P1: ':large_orange_circle:',
  P2: ':large_yellow_circle:',
  P3: ':large_blue_circle:',
};

// Every message ops-bot posts for an incident carries a block_id naming the incident and the step,
// so a post whose answer was lost (a crash, a timeout) can be found in the channel's history
// instead of being posted twice.
export function markerOf(incidentId: string, step: string): string {
  return `incident:${incidentId}:${step}`;
}

export function commanderText(record: IncidentRecord): string {
  return record.commander ? `<@${record.commander}>` : '_nobody yet_';
}

// The topic is plain text of at most 250 characters: severity · status · commander · bridge.
export function topicOf(record: IncidentRecord, bridge: string | undefined): string {
  const parts = [
    record.severity,
    record.status,
    record.commander ? `commander <@${record.commander}>` : 'no commander yet',
    ...(bridge ? [`bridge ${bridge}`] : []),
  ];
  const topic = parts.join(' · ');
  return topic.length <= 250 ? topic : topic.slice(0, 250);
}

export type ServiceTarget = { service: string; env: string };

function startedText(record: IncidentRecord): string {
  const when = slackDate(record.declaredAt, '{date_short_pretty} {time}');
  return `${when} (${slackDate(record.declaredAt, '{ago}', 'see start')})`;
}

function cardFields(record: IncidentRecord, resolved: boolean): Block {
  const emoji = resolved ? ':white_check_mark:' : SEVERITY_EMOJI[record.severity];
  return fields([
    ['Status', `${emoji} ${record.status}`],
    ['Severity', record.severity],
    ['Commander', commanderText(record)],
    ['Started', startedText(record)],
    ['Declared by', `<@${record.declaredBy}>`],
    ['Last update', slackDate(record.lastUpdateAt, '{ago}', record.lastUpdateAt.toISOString())],
  ]);
}

// No confirm dialog: Slack's are static and cannot name versions. The press opens a form naming
// both ends, computed at that moment (handlers/incident-rollback.ts).
function rollbackAccessory(target: ServiceTarget): Block {
  return {
    type: 'button',
    action_id: DEPLOY_ROLLBACK,
    text: { type: 'plain_text', text: `Roll back ${target.service}`.slice(0, 75) },
    style: 'danger',
    value: rollbackButtonValue({ service: target.service, env: target.env, lastGood: true }),
  };
}

function affectedServiceBlock(record: IncidentRecord, target: ServiceTarget, resolved: boolean): Block {
  const last = lastChangesOf(record.steps)?.[target.service];
  const lastLine = last ? `\n${lastChangeWords(last, record.declaredAt)}` : '';
  const line = section(`*Affected:* \`${target.service}\` in ${target.env}${lastLine}`);
  return resolved ? line : { ...line, accessory: rollbackAccessory(target) };
}

function resolvedLine(record: IncidentRecord): string {
  const when = record.resolvedAt ? slackDate(record.resolvedAt, '{date_short_pretty} {time}') : '';
  const summary = record.summary ? ` — ${esc(record.summary)}` : '';
  return `Resolved by <@${record.resolvedBy ?? 'unknown'}> ${when}${summary}`;
}

function cardButtons(record: IncidentRecord): Block {
  return actions(`incident-buttons:${record.id}`, [
    {
      actionId: INCIDENT_ACK,
      text: record.acknowledgedAt ? "I'm commander" : "Acknowledge / I'm commander",
      value: record.id,
      style: 'primary',
    },
    { actionId: INCIDENT_SEVERITY, text: 'Change severity', value: record.id },
    { actionId: INCIDENT_UPDATE, text: 'Post update', value: record.id },
    { actionId: INCIDENT_RESOLVE, text: 'Resolve', value: record.id, style: 'danger' },
  ]);
}

// "paged on-call (P1) at 10:02", or the failure or retry in the open: a page never fails silently.
function pagingLine(record: IncidentRecord): Block | undefined {
  const status = pagingStatusOf(record.steps);
  if (!status) return undefined;
  const at = slackDate(new Date(status.at), '{time}', status.at.slice(11, 16) + ' UTC');
  const words = esc(pagingWords(status));
  return {
    ...context(status.state === 'sent' ? `:pager: ${words} at ${at}` : words),
    block_id: markerOf(record.id, 'paging'),
  };
}

function cardText(record: IncidentRecord): string {
  const commander = record.commander ? `<@${record.commander}>` : 'nobody yet';
  return `${record.severity} incident: ${esc(record.title)} — ${record.status}, commander ${commander}`;
}

// The status card, pinned in the incident channel and edited in place after every change.
export function incidentCardView(record: IncidentRecord, bridge: string | undefined, services: ServiceTarget[]): View {
  const resolved = record.status === 'resolved';
  const blocks: Block[] = [
    {
      ...header(`${resolved ? 'Resolved' : record.severity} · ${record.title}`),
      block_id: markerOf(record.id, 'card'),
    },
    cardFields(record, resolved),
  ];
  if (record.description) blocks.push(section(esc(record.description)));
  if (bridge) blocks.push(section(`:telephone_receiver: *Bridge:* <${bridge}>`));
  for (const target of services.slice(0, 10)) blocks.push(affectedServiceBlock(record, target, resolved));
  const paging = pagingLine(record);
  if (paging) blocks.push(paging);
  blocks.push(resolved ? context(resolvedLine(record)) : cardButtons(record));
  return view(cardText(record), blocks);
}

const INTRO_HINT =
  'The status card below is pinned; `/incident note <text>` adds to the timeline, and a :pushpin: on any message does too.';

export function introView(record: IncidentRecord, bridge: string | undefined): View {
  const declared = `:rotating_light: *${record.severity}: ${esc(record.title)}* — declared by <@${record.declaredBy}>.`;
  const bridgeLine = bridge ? `\n:telephone_receiver: Bridge: <${bridge}>` : '';
  const text = `${declared}${bridgeLine}\n${INTRO_HINT}`;
  return view(`${record.severity}: ${esc(record.title)}${bridge ? ` — bridge ${bridge}` : ''}`, [
    { ...section(text), block_id: markerOf(record.id, 'intro') },
  ]);
}

const CHECKLIST_HINT = 'tick items as they are done; each tick goes into the timeline.';

export function checklistView(record: IncidentRecord, items: string[], checked: ReadonlySet<string>): View {
  const options = items
    .slice(0, 10)
    .map((item, index) => ({ text: { type: 'mrkdwn', text: item.slice(0, 150) }, value: `item-${index}` }));
  const initial = options.filter((option) => checked.has(option.value));
  return view(`Checklist for ${record.severity}: ${items.join('; ')}`, [
    {
      ...section(`:clipboard: *Checklist (${record.severity})* — ${CHECKLIST_HINT}`),
      block_id: markerOf(record.id, 'checklist'),
    },
    {
      type: 'actions',
      block_id: `incident-checklist:${record.id}`,
      elements: [
        {
          type: 'checkboxes',
          action_id: INCIDENT_CHECKLIST,
          options,
          ...(initial.length > 0 ? { initial_options: initial } : {}),
        },
      ],
    },
  ]);
}

export function broadcastView(record: IncidentRecord, step: string, headline: string): View {
  const channel = record.channelId ? `<#${record.channelId}>` : `#${record.channelName ?? '?'}`;
  const text =
    record.status === 'resolved'
      ? `${headline} (${channel})`
      : `${SEVERITY_EMOJI[record.severity]} ${headline} — join ${channel}`;
  return view(text, [
    { ...section(text), block_id: markerOf(record.id, step) },
    context(`Commander: ${commanderText(record)} · declared by <@${record.declaredBy}>`),
  ]);
}

export function noticeView(record: IncidentRecord, step: string, text: string): View {
  return view(text.replace(/[*_]/g, ''), [{ ...section(text), block_id: markerOf(record.id, step) }]);
}
