// API discovery as an API server answers it, for the resources the simulator serves: kubectl asks
// /api and /apis before anything else (first for aggregated discovery; a plain application/json
// answer makes it fall back to the per-version resource lists below), and /version for `kubectl version`.
type ApiResource = {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames: string[];
  categories?: string[];
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const resource = (name: string, kind: string, shortName: string, all = true): ApiResource => ({
  name,
  singularName: kind.toLowerCase(),
  namespaced: true,
  kind,
  verbs: VERBS,
  shortNames: [shortName],
  ...(all ? { categories: ['all'] } : {}),
});

const CORE_V1 = [
  resource('pods', 'Pod', 'po'),
  resource('services', 'Service', 'svc'),
  resource('events', 'Event', 'ev', false),
];
const APPS_V1 = [resource('deployments', 'Deployment', 'deploy'), resource('replicasets', 'ReplicaSet', 'rs')];

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-ops-bot-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const APPS_GROUP = {
  name: 'apps',
  versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
};

// The discovery document at `pathname`, or undefined when the path is not a discovery path.
export function discoveryAt(pathname: string, serverAddress: string): unknown {
  const path = pathname.replace(/\/$/, '');
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api')
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: [APPS_GROUP] };
  if (path === '/apis/apps') return { kind: 'APIGroup', apiVersion: 'v1', ...APPS_GROUP };
  if (path === '/api/v1') return resourceList('v1', CORE_V1);
  if (path === '/apis/apps/v1') return resourceList('apps/v1', APPS_V1);
  return undefined;
}

function resourceList(groupVersion: string, resources: ApiResource[]) {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}
