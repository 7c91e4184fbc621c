import type { Processor } from '../processor.ts';

// The old colour of a blue-green deploy, after its grace period: scaled to zero, unless traffic was
// switched back to it meanwhile (a rollback), in which case it stays.
export const blueGreenRetireProcessor: Processor<'bluegreen-retire'> = async ({ data, deps }) => {
  const cluster = deps.kube.cluster(data.context);
  const service = await cluster.readService(data.namespace, data.service);
  if (service?.selector[data.colourKey] === data.colour) return { retired: false, reason: 'it serves traffic again' };
  await cluster.scaleDeployment(data.namespace, data.deployment, 0);
  return { retired: true };
};
