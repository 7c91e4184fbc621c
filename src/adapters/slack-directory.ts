import type { Identity } from '../core/people.ts';
import { BoundedMap } from './bounded-map.ts';
import type { SlackGateway } from './slack.ts';
import { platformErrorCode } from './slack.ts';
import { UserError } from '../core/user-error.ts';

type Cached<T> = { value: Promise<T>; expires: number };

// Groups whose members are kept: more than a catalog names; the least recently asked go first.
const MAX_GROUPS = 500;

// Who is in which user group, from usergroups.list and usergroups.users.list, cached briefly: a
// membership change in Slack takes effect within `ttlMs`, and a burst of clicks costs one lookup.
export class SlackDirectory {
  readonly #slack: SlackGateway;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #handles: Cached<Map<string, string>> | undefined;
  readonly #members: BoundedMap<string, Cached<Set<string>>>;

  constructor(slack: SlackGateway, options: { ttlMs?: number; now?: () => number; maxGroups?: number } = {}) {
    this.#slack = slack;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#members = new BoundedMap(options.maxGroups ?? MAX_GROUPS);
  }

  // How many groups' members are held (for tests of the bound).
  get cachedGroups(): number {
    return this.#members.size;
  }

  async identify(userId: string, handles: Iterable<string>): Promise<Identity> {
    const groups = new Set<string>();
    await Promise.all(
      [...new Set(handles)].map(async (handle) => {
        const members = await this.membersOf(handle);
        if (members?.has(userId)) groups.add(handle);
      }),
    );
    return { userId, groups };
  }

  // undefined: no such group in the workspace (a catalog typo, or a group that was deleted).
  // A group's id, for <!subteam^ID> mentions that notify its members.
  async groupId(handle: string): Promise<string | undefined> {
    return (
      await this.#cached(
        () => this.#handles,
        (entry) => {
          this.#handles = entry;
        },
        () => this.#loadHandles(),
      )
    ).get(handle);
  }

  async membersOf(handle: string): Promise<Set<string> | undefined> {
    const id = await this.groupId(handle);
    if (id === undefined) return undefined;
    return this.#cached(
      () => this.#members.get(id),
      (entry) => {
        if (entry) this.#members.set(id, entry);
        else this.#members.delete(id);
      },
      async () => new Set(await this.#slack.usergroupMembers(id)),
    );
  }

  async #loadHandles(): Promise<Map<string, string>> {
    return new Map((await this.#slack.usergroups()).map((group) => [group.handle, group.id]));
  }

  async #cached<T>(
    get: () => Cached<T> | undefined,
    set: (entry: Cached<T> | undefined) => void,
    load: () => Promise<T>,
  ): Promise<T> {
    const now = this.#now();
    const hit = get();
    if (hit && hit.expires > now) return hit.value;
    const value = load();
    set({ value, expires: now + this.#ttlMs });
    try {
      return await value;
    } catch (error) {
      set(undefined); // never cache a failure
      throw directoryUnavailable(platformErrorCode(error));
    }
  }
}

function directoryUnavailable(code: string | undefined): UserError {
  const because = code ? ` (${code})` : '';
  const hint =
    code === 'missing_scope'
      ? 'The Slack app needs the usergroups:read scope (see manifest.yml).'
      : 'Try again in a minute; if it persists, check the bot token.';
  return new UserError(
    `ops-bot could not read Slack user groups${because}, so it cannot tell which groups you are in.`,
    {
      hint,
      code: 'directory_unavailable',
    },
  );
}
