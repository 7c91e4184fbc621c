import { type IncidentRecord } from '../../core/incident-record.ts';
import { TITLE_MAX } from '../../core/grammar/commands.ts';
import { SEVERITIES } from '../../core/grammar/values.ts';
import { INCIDENT_STATUSES } from '../../core/incident.ts';
import { modalView } from './blocks.ts';

export const DECLARE_MODAL = 'incident_declare_modal';
export const SEVERITY_MODAL = 'incident_severity_modal';
export const UPDATE_MODAL = 'incident_update_modal';
export const RESOLVE_MODAL = 'incident_resolve_modal';
export const INCIDENT_MODALS = [DECLARE_MODAL, SEVERITY_MODAL, UPDATE_MODAL, RESOLVE_MODAL];

const SEVERITY_WORDS: Record<string, string> = {
  P0: 'P0 — critical, all hands',
  P1: 'P1 — major',
  P2: 'P2 — minor',
  P3: 'P3 — low',
};

function option(value: string, text = value) {
  return { text: { type: 'plain_text', text }, value };
}

function modal(
  callbackId: string,
  title: string,
  submit: string,
  metadata: Record<string, unknown>,
  blocks: unknown[],
): Record<string, unknown> {
  return modalView({ callbackId, metadata, title, submit, close: 'Cancel', blocks });
}

function input(blockId: string, label: string, element: Record<string, unknown>, optional = false) {
  return {
    type: 'input',
    block_id: blockId,
    optional,
    label: { type: 'plain_text', text: label },
    element: { action_id: 'value', ...element },
  };
}

// /incident declare with no arguments: the same four things the command takes, as a form.
export function declareModal(services: string[], channel: string): Record<string, unknown> {
  return modal(DECLARE_MODAL, 'Declare an incident', 'Declare', { channel }, [
    input('title', 'Title', {
      type: 'plain_text_input',
      max_length: TITLE_MAX,
      placeholder: { type: 'plain_text', text: 'checkout errors' },
    }),
    input('severity', 'Severity', {
      type: 'static_select',
      options: SEVERITIES.map((severity) => option(severity, SEVERITY_WORDS[severity])),
    }),
    ...(services.length > 0
      ? [
          input(
            'services',
            'Affected services',
            { type: 'multi_static_select', options: services.slice(0, 100).map((service) => option(service)) },
            true,
          ),
        ]
      : []),
    input('description', 'Description', { type: 'plain_text_input', multiline: true, max_length: 2_000 }, true),
  ]);
}

export function severityModal(record: IncidentRecord): Record<string, unknown> {
  return modal(SEVERITY_MODAL, 'Change severity', 'Change', { incidentId: record.id }, [
    input('severity', `Severity (now ${record.severity})`, {
      type: 'static_select',
      options: SEVERITIES.map((severity) => option(severity, SEVERITY_WORDS[severity])),
    }),
  ]);
}

export function updateModal(record: IncidentRecord): Record<string, unknown> {
  const statuses = INCIDENT_STATUSES.filter((status) => status !== 'resolved');
  return modal(UPDATE_MODAL, 'Post an update', 'Post', { incidentId: record.id }, [
    input('status', 'Status', {
      type: 'static_select',
      options: statuses.map((status) => option(status)),
      initial_option: option(record.status === 'resolved' ? 'investigating' : record.status),
    }),
    input('text', 'What changed', { type: 'plain_text_input', multiline: true, max_length: 2_000 }),
  ]);
}

export function resolveModal(record: IncidentRecord): Record<string, unknown> {
  return modal(RESOLVE_MODAL, 'Resolve the incident', 'Resolve', { incidentId: record.id }, [
    input(
      'summary',
      'Summary (what happened, what fixed it)',
      { type: 'plain_text_input', multiline: true, max_length: 2_000 },
      true,
    ),
  ]);
}
