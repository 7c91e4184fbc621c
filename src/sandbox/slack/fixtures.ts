import type { WorkspaceSeed } from './workspace.ts';

// The sandbox workspace: people and groups that line up with config/catalog.example.yml, so that
// approvals, roles and incidents can be tried by name (`npm run slack -- --as carol …`).
export const SANDBOX_WORKSPACE: WorkspaceSeed = {
  teamId: 'T0SANDBOX1',
  teamDomain: 'ops-sandbox',
  botUserId: 'U0OPSBOT01',
  botId: 'B0OPSBOT01',
  appId: 'A0OPSBOT01',
  users: [
    { id: 'U0ALICE001', name: 'alice', realName: 'Alice Adams', tz: 'Europe/Berlin' },
    { id: 'U0BOB00002', name: 'bob', realName: 'Bob Brown', tz: 'Europe/London' },
    { id: 'U0CAROL003', name: 'carol', realName: 'Carol Chen', tz: 'America/New_York' },
    { id: 'U0DAVE0004', name: 'dave', realName: 'Dave Diaz', tz: 'UTC' },
    { id: 'U0ERIN0005', name: 'erin', realName: 'Erin Evans', tz: 'Asia/Tokyo' },
    { id: 'U0FRANK006', name: 'frank', realName: 'Frank Fox', tz: 'UTC' },
    { id: 'U0GUEST007', name: 'guest', realName: 'Gus Guest', tz: 'UTC' },
  ],
  groups: [
    {
      id: 'S0ENGINEERS',
      handle: 'engineers',
      name: 'Engineers',
      users: ['U0ALICE001', 'U0BOB00002', 'U0CAROL003', 'U0DAVE0004', 'U0ERIN0005'],
    },
    { id: 'S0SRELEADS1', handle: 'sre-leads', name: 'SRE leads', users: ['U0CAROL003', 'U0FRANK006'] },
    { id: 'S0ONCALL001', handle: 'oncall', name: 'On call', users: ['U0BOB00002', 'U0ERIN0005'] },
    { id: 'S0DBA000001', handle: 'dba', name: 'DBAs', users: ['U0DAVE0004'] },
    { id: 'S0SRE000001', handle: 'sre', name: 'SRE', users: ['U0CAROL003', 'U0ERIN0005', 'U0DAVE0004'] },
    {
      id: 'S0INCCMDRS1',
      handle: 'incident-commanders',
      name: 'Incident commanders',
      users: ['U0FRANK006', 'U0CAROL003'],
    },
    { id: 'S0ENGLEADS1', handle: 'eng-leads', name: 'Engineering leads', users: ['U0FRANK006'] },
  ],
  channels: [
    { id: 'C0GENERAL01', name: 'general' },
    { id: 'C0DEPLOYS01', name: 'deploys' },
    { id: 'C0APPROVALS', name: 'approvals' },
    { id: 'C0INCIDENTS', name: 'incidents' },
    { id: 'C0ENGLEADS1', name: 'eng-leads' },
  ],
};
