import { describe, expect, it } from '@jest/globals';
import { mayCancel } from '../../src/core/cancel-rule.ts';
import type { Roles } from '../../src/core/roles.ts';

const roles: Roles = {
  deploy: [{ kind: 'group', handle: 'engineers' }],
  rollback: [{ kind: 'group', handle: 'oncall' }],
  admin: [{ kind: 'user', id: 'U0ADMIN' }],
};
const person = (userId: string, ...groups: string[]) => ({ userId, groups: new Set(groups) });

describe('who may cancel', () => {
  it('lets the requester cancel whatever roles they hold', () => {
    expect(mayCancel(person('U0ASKER'), 'U0ASKER', roles, 'rollback')).toBe(true);
  });

  it("lets anyone holding the change's role cancel, and only that role", () => {
    expect(mayCancel(person('U0OTHER', 'engineers'), 'U0ASKER', roles, 'deploy')).toBe(true);
    expect(mayCancel(person('U0OTHER', 'engineers'), 'U0ASKER', roles, 'rollback')).toBe(false);
    expect(mayCancel(person('U0OTHER', 'oncall'), 'U0ASKER', roles, 'rollback')).toBe(true);
    expect(mayCancel(person('U0OTHER', 'oncall'), 'U0ASKER', roles, 'restore')).toBe(false);
  });

  it('lets admins cancel anything, and nobody else', () => {
    expect(mayCancel(person('U0ADMIN'), 'U0ASKER', roles, 'restore')).toBe(true);
    expect(mayCancel(person('U0GUEST'), 'U0ASKER', roles, 'deploy')).toBe(false);
    expect(mayCancel(person('U0GUEST'), undefined, roles, 'deploy')).toBe(false);
  });
});
