// REDIS_URL read once, for every connection the bot and the workers make (decision 0027):
//   redis://[[user]:password@]host[:port][/db]            one server
//   rediss://…                                             the same over TLS
//   redis+sentinel://[[user]:password@]h1[:p1][,h2[:p2]…]/<master-name>[/db]
//   rediss+sentinel://…                                    TLS to the sentinels and to the primary
// WHATWG URL cannot read a host list, so the sentinel form is split by hand and each address is
// checked on its own. The user and password are the primary's; sentinels with their own password
// take REDIS_SENTINEL_PASSWORD.

export type RedisAddress = { host: string; port: number };

type Common = { tls: boolean; username?: string; password?: string; db: number };

export type RedisTarget =
  | (Common & { kind: 'server'; address: RedisAddress })
  | (Common & { kind: 'sentinel'; sentinels: RedisAddress[]; name: string });

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

const SCHEMES: Record<string, { kind: RedisTarget['kind']; tls: boolean }> = {
  'redis:': { kind: 'server', tls: false },
  'rediss:': { kind: 'server', tls: true },
  'redis+sentinel:': { kind: 'sentinel', tls: false },
  'rediss+sentinel:': { kind: 'sentinel', tls: true },
};
const FORMS = 'redis://host:6379, rediss://host:6380 or redis+sentinel://host1:26379,host2:26379/<master-name>';
const NOT_ENCODED = 'has a user or password that is not percent-encoded (encode @ : / % as %40 %3A %2F %25)';
const DEFAULT_PORT = { server: 6379, sentinel: 26379 };

// Throws RedisUrlError with a message that never repeats the password.
export function parseRedisUrl(text: string): RedisTarget {
  const scheme = /^([a-z+]+:)\/\//i.exec(text)?.[1]?.toLowerCase();
  const form = scheme === undefined ? undefined : SCHEMES[scheme];
  if (!form) throw new RedisUrlError(`must be a Redis URL: ${FORMS}`);
  const rest = text.slice(scheme!.length + 2);
  const slash = rest.indexOf('/');
  // An unencoded / in a password would otherwise be read as the path, and the password shown as a host.
  if (slash !== -1 && rest.lastIndexOf('@') > slash) throw new RedisUrlError(NOT_ENCODED);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/$/, '');
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? {} : userinfo(authority.slice(0, at));
  const hosts = authority.slice(at + 1);
  const common = { tls: form.tls, ...credentials };
  if (form.kind === 'server') {
    const [address, ...extra] = addresses(hosts, DEFAULT_PORT.server);
    if (!address || extra.length > 0)
      throw new RedisUrlError('must name one host (a list of hosts needs redis+sentinel://)');
    return { kind: 'server', address, ...common, db: database(path, path) };
  }
  const sentinels = addresses(hosts, DEFAULT_PORT.sentinel);
  if (sentinels.length === 0) throw new RedisUrlError('must name at least one sentinel (host:port)');
  const [name = '', db, ...extra] = path === '' ? [] : path.split('/');
  if (name === '')
    throw new RedisUrlError(
      'must end with the master name the sentinels monitor (redis+sentinel://host:26379/<master-name>)',
    );
  if (extra.length > 0) throw new RedisUrlError(`has more after /${name}/<db> than it can read`);
  return { kind: 'sentinel', sentinels, name: decodeURIComponent(name), ...common, db: database(db ?? '', path) };
}

function userinfo(text: string): { username?: string; password?: string } {
  const colon = text.indexOf(':');
  const [user, password] = colon === -1 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
  try {
    return {
      ...(user ? { username: decodeURIComponent(user) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
    };
  } catch {
    throw new RedisUrlError(NOT_ENCODED);
  }
}

function addresses(text: string, defaultPort: number): RedisAddress[] {
  if (text === '') return [];
  return text.split(',').map((entry) => {
    const match = /^(\[[0-9a-f:.]+\]|[^:[\]\s]+)(?::(\d*))?$/i.exec(entry);
    if (!match) throw new RedisUrlError(`has an address "${entry}" that is not host or host:port`);
    const port = match[2] === undefined || match[2] === '' ? defaultPort : Number(match[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw new RedisUrlError(`has a port out of range in "${entry}" (1-65535)`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

function database(text: string, path: string): number {
  if (text === '') return 0;
  if (!/^\d{1,2}$/.test(text)) throw new RedisUrlError(`has "/${path}" where a database number (0-15…) belongs`);
  return Number(text);
}

// The URL as logs and /readyz may show it: scheme, user, hosts, master name and database, never the password.
export function describeRedis(target: RedisTarget): string {
  const secret = target.password ? ':***' : '';
  const user = target.username || secret ? `${encodeURIComponent(target.username ?? '')}${secret}@` : '';
  const shown = (address: RedisAddress) =>
    `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const db = target.db === 0 ? '' : `/${target.db}`;
  const scheme = target.tls ? 'rediss' : 'redis';
  if (target.kind === 'server') return `${scheme}://${user}${shown(target.address)}${db}`;
  return `${scheme}+sentinel://${user}${target.sentinels.map(shown).join(',')}/${target.name}${db}`;
}
