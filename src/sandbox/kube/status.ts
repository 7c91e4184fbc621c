// Kubernetes "Status" objects: the body of every API error.
export type StatusBody = {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
};

export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

const qualified = (resource: string, group: string) => `${resource}${group ? `.${group}` : ''}`;

export const notFound = (resource: string, group: string, name: string) =>
  status(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });

const SERVICE_ACCOUNT = 'system:serviceaccount:ops:ops-bot';

export const forbidden = (
  verb: string,
  resource: string,
  group: string,
  namespace: string,
  name?: string,
  user = SERVICE_ACCOUNT,
) => {
  const subject = `${qualified(resource, group)}${name ? ` "${name}"` : ''}`;
  const denied = `User "${user}" cannot ${verb} resource "${resource}" in API group "${group}"`;
  return status(403, 'Forbidden', `${subject} is forbidden: ${denied} in the namespace "${namespace}"`, {
    name,
    group,
    kind: resource,
  });
};

export const invalid = (kind: string, group: string, name: string, problem: string) =>
  status(422, 'Invalid', `${kind}.${group} "${name}" is invalid: ${problem}`);

export const alreadyExists = (resource: string, group: string, name: string) =>
  status(409, 'AlreadyExists', `${resource}.${group} "${name}" already exists`);

export const conflict = (resource: string, group: string, name: string | undefined) => {
  const latest = 'the object has been modified; please apply your changes to the latest version and try again';
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${resource}.${group} "${name}": ${latest}`);
};

export const unsupportedMediaType = (accepted: string[]) => {
  const known = `accepted media types include: ${accepted.join(', ')}`;
  return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - ${known}`);
};
