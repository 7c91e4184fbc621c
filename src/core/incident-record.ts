import type { IncidentState } from './incident-events.ts';

// An incident as stored (adapters/incident-store.ts) and shown (bot/views), and one line of its timeline.
export type IncidentRecord = IncidentState & {
  id: string;
  deliveryKey: string;
  title: string;
  description: string | undefined;
  setup: 'pending' | 'done' | 'failed';
  declaredBy: string;
  services: string[];
  originChannel: string | undefined;
  channelName: string | undefined;
  channelId: string | undefined;
  correlationId: string;
  declaredAt: Date;
  archivedAt: Date | undefined;
  cardTs: string | undefined;
  cardVersion: number;
  steps: Record<string, unknown>;
};

export type NewIncident = Pick<
  IncidentRecord,
  | 'id'
  | 'deliveryKey'
  | 'title'
  | 'description'
  | 'severity'
  | 'declaredBy'
  | 'services'
  | 'originChannel'
  | 'correlationId'
  | 'declaredAt'
>;

export type TimelineRow = {
  id: number;
  at: Date;
  kind: string;
  actor: string;
  text: string;
  permalink: string | undefined;
  sourceTs: string | undefined;
};
