// "People" in the catalog: Slack user ids (U…/W…), user-group handles (@handle) or "*".
export type Person = { kind: 'user'; id: string } | { kind: 'group'; handle: string } | { kind: 'everyone' };

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const HANDLE = /^@[a-z0-9][a-z0-9._-]*$/;

// A Slack user id (timeline actors can also be "ops-bot").
export function isUserId(text: string): boolean {
  return USER_ID.test(text);
}

export function parsePerson(text: string): Person | undefined {
  if (text === '*') return { kind: 'everyone' };
  if (USER_ID.test(text)) return { kind: 'user', id: text };
  if (HANDLE.test(text)) return { kind: 'group', handle: text.slice(1) };
  return undefined;
}

// Who someone is, as far as policy cares: their id and the handles of the groups they are in.
export type Identity = { userId: string; groups: ReadonlySet<string> };

export function isAmong(identity: Identity, people: readonly Person[]): boolean {
  return people.some((person) => {
    switch (person.kind) {
      case 'everyone':
        return true;
      case 'user':
        return person.id === identity.userId;
      case 'group':
        return identity.groups.has(person.handle);
    }
  });
}

export function groupHandles(people: readonly Person[]): string[] {
  return people.flatMap((person) => (person.kind === 'group' ? [person.handle] : []));
}

export function describePerson(person: Person): string {
  switch (person.kind) {
    case 'everyone':
      return 'everyone';
    case 'user':
      return `<@${person.id}>`;
    case 'group':
      return `@${person.handle}`;
  }
}

export function describePeople(people: readonly Person[]): string {
  return people.length === 0 ? 'nobody' : people.map(describePerson).join(', ');
}

export function formatPerson(person: Person): string {
  return person.kind === 'everyone' ? '*' : person.kind === 'user' ? person.id : `@${person.handle}`;
}
