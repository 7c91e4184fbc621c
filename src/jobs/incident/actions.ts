import type { ProcessorDeps } from '../processor.ts';

// Deploys and rollbacks started from an incident channel belong to its timeline. Best effort: the
// change itself never waits on, or fails because of, the incident's bookkeeping.
export async function noteIncidentAction(
  deps: Pick<ProcessorDeps, 'incidents' | 'logger' | 'now'>,
  channelId: string | undefined,
  actor: string,
  text: string,
): Promise<void> {
  if (!channelId) return;
  try {
    const incident = await deps.incidents.byChannel(channelId);
    if (incident) await deps.incidents.addTimeline(incident.id, { kind: 'action', actor, text, at: deps.now() });
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not add the action to the incident timeline');
  }
}
