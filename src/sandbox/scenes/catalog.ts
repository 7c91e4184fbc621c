import { nextVersion } from './versions.ts';
import type { Scene, Vars } from './types.ts';

// The README's stories, as the example catalog's people play them (src/sandbox/slack/fixtures.ts).
const BACKUP_ID = /([a-z]+-\d{8}-\d{6}-[0-9a-f]{6})/;
const v = (vars: Vars) => vars.version!;

const productionDeploy: Scene = {
  name: 'production-deploy',
  title: 'A production deploy with two approvals',
  workingHours: true,
  steps: [
    {
      say: 'the next checkout version is read from the prod cluster',
      kind: 'compute',
      run: (_, world) => ({ version: nextVersion(world, 'prod', 'shop', ['checkout']) }),
    },
    {
      say: (vars) => `carol asks to deploy checkout ${v(vars)} to production`,
      kind: 'command',
      as: 'carol',
      line: (vars) => `/deploy checkout ${v(vars)} to production --reason "fix tax rounding"`,
    },
    {
      say: 'frank approves with the Approve button',
      kind: 'click',
      as: 'frank',
      actionId: 'approval_approve',
      on: { text: (vars) => `\`${v(vars)}\` to *production*`, in: 'deploys' },
      shows: '<@U0FRANK006> (button)',
    },
    {
      say: 'alice approves with a ✅ reaction',
      kind: 'react',
      as: 'alice',
      reaction: 'white_check_mark',
      on: { text: (vars) => `\`${v(vars)}\` to *production*`, in: 'deploys' },
      shows: '<@U0ALICE001> (:white_check_mark:)',
    },
    {
      say: 'the progress message follows the rollout until it succeeds',
      kind: 'wait',
      until: { text: (vars) => `\`${v(vars)}\` to *production*: *succeeded*`, in: 'deploys' },
    },
  ],
};

const failingDeploy: Scene = {
  name: 'failing-deploy',
  title: 'A failing deploy and its automatic rollback',
  steps: [
    {
      say: 'the next checkout version is read from the staging cluster',
      kind: 'compute',
      run: (_, world) => ({ version: `${nextVersion(world, 'staging', 'shop', ['checkout'])}-crash` }),
    },
    {
      say: (vars) => `bob deploys checkout ${v(vars)} to staging: its process exits at start`,
      kind: 'command',
      as: 'bob',
      line: (vars) => `/deploy checkout ${v(vars)} to staging --reason "new tax engine"`,
    },
    {
      say: 'the pods crash-loop; the deploy fails and rolls back by itself',
      kind: 'wait',
      until: { text: (vars) => `\`${v(vars)}\` to *staging*: *failed and rolled back*`, in: 'deploys' },
    },
  ],
};

const blueGreen: Scene = {
  name: 'blue-green',
  title: 'A blue-green deploy: the Service switches colour',
  steps: [
    {
      say: 'the next storefront version is read from the staging cluster (both colours)',
      kind: 'compute',
      run: (_, world) => ({
        version: nextVersion(world, 'staging', 'shop', ['storefront-blue', 'storefront-green']),
      }),
    },
    {
      say: (vars) => `bob deploys storefront ${v(vars)} to staging: the idle colour gets it, then the Service switches`,
      kind: 'command',
      as: 'bob',
      line: (vars) => `/deploy storefront ${v(vars)} to staging --reason "new product page"`,
    },
    {
      say: 'the progress message shows the switch and ends in success',
      kind: 'wait',
      until: { text: (vars) => `\`${v(vars)}\` to *staging*: *succeeded*`, in: 'deploys' },
    },
  ],
};

const canary: Scene = {
  name: 'canary',
  title: 'A canary: steps, then promoted all the way',
  steps: [
    {
      say: 'the next search version is read from the staging cluster',
      kind: 'compute',
      run: (_, world) => ({ version: nextVersion(world, 'staging', 'shop', ['search', 'search-canary']) }),
    },
    {
      say: (vars) => `bob deploys search ${v(vars)} to staging as a canary (10 %, 25 %, 50 %, 100 %)`,
      kind: 'command',
      as: 'bob',
      line: (vars) => `/deploy search ${v(vars)} to staging --reason "faster ranking"`,
    },
    {
      say: 'the canary holds its first step; bob looks at it and promotes it all the way',
      kind: 'click',
      as: 'bob',
      actionId: 'canary_promote_all',
      on: { text: (vars) => `\`${v(vars)}\``, in: 'deploys' },
    },
    {
      say: 'stable takes the new version and the canary ends',
      kind: 'wait',
      until: { text: (vars) => `\`${v(vars)}\` to *staging*: *succeeded*`, in: 'deploys' },
    },
  ],
};

const backupVerify: Scene = {
  name: 'backup-verify',
  title: 'A backup, and a verify that proves it restores',
  steps: [
    {
      say: 'erin backs up the analytics cluster (an Aurora snapshot)',
      kind: 'command',
      as: 'erin',
      line: '/backup analytics --reason "before the schema change"',
    },
    {
      say: 'the snapshot progresses and ends with its id',
      kind: 'wait',
      until: { text: new RegExp(`Backup of analytics[^"]*backed up[^"]*?${BACKUP_ID.source}`) },
      capture: 'backup',
    },
    {
      say: (vars) => `erin verifies ${vars.backup}: restored into a temporary cluster, then deleted`,
      kind: 'command',
      as: 'erin',
      line: (vars) => `/backup verify ${vars.backup}`,
    },
    {
      say: 'the verify passes',
      kind: 'wait',
      until: { text: (vars) => new RegExp(`Verify of ${vars.backup}[^"]*verified`) },
    },
  ],
};

const restore: Scene = {
  name: 'restore',
  title: 'A restore into a new instance, with two approvals',
  workingHours: true,
  steps: [
    {
      say: 'dave (a DBA) backs up the orders instance first',
      kind: 'command',
      as: 'dave',
      line: '/backup orders --reason "restore drill"',
    },
    {
      say: 'the snapshot ends with its id',
      kind: 'wait',
      until: { text: new RegExp(`Backup of orders[^"]*backed up[^"]*?${BACKUP_ID.source}`) },
      capture: 'backup',
    },
    {
      say: 'a new instance name is chosen (a restore never overwrites)',
      kind: 'compute',
      run: () => ({ target: `orders-drill-${Date.now().toString(36)}` }),
    },
    {
      say: (vars) => `dave asks to restore ${vars.backup} into ${vars.target}`,
      kind: 'command',
      as: 'dave',
      line: (vars) => `/restore ${vars.backup} to ${vars.target} --reason "restore drill"`,
    },
    {
      say: 'carol approves',
      kind: 'click',
      as: 'carol',
      actionId: 'approval_approve',
      on: { text: (vars) => vars.target! },
      shows: '<@U0CAROL003> (button)',
    },
    {
      say: 'frank approves',
      kind: 'click',
      as: 'frank',
      actionId: 'approval_approve',
      on: { text: (vars) => vars.target! },
      shows: '<@U0FRANK006> (button)',
    },
    {
      say: (vars) => `${vars.target} is created from the snapshot and becomes available`,
      kind: 'wait',
      until: { text: (vars) => `Restore of ${vars.backup} into ${vars.target}: restored` },
    },
  ],
};

const incident: Scene = {
  name: 'incident',
  title: 'An incident from declaration to postmortem',
  steps: [
    {
      say: 'bob declares a P1 from #general: checkout errors',
      kind: 'command',
      as: 'bob',
      channel: 'general',
      line: '/incident declare P1 "checkout errors" --service checkout',
    },
    {
      say: 'the bot opens an incident channel with the people, the bridge and the status card',
      kind: 'wait',
      until: { text: /"incident_ack"/ },
      channel: 'incident',
    },
    {
      say: 'erin acknowledges and becomes the commander',
      kind: 'click',
      as: 'erin',
      actionId: 'incident_ack',
      on: { text: 'checkout errors', in: (vars) => vars.incident! },
    },
    {
      say: 'the channel hears who commands',
      kind: 'wait',
      until: { text: 'acknowledged and is the commander', in: (vars) => vars.incident! },
    },
    {
      say: 'erin opens "Post update" on the status card',
      kind: 'click',
      as: 'erin',
      actionId: 'incident_update',
      on: { text: 'checkout errors', in: (vars) => vars.incident! },
    },
    {
      say: 'erin fills in the form: identified, bad config in the release',
      kind: 'submit',
      as: 'erin',
      callbackId: 'incident_update_modal',
      fields: { status: 'identified', text: 'bad config in the release' },
    },
    {
      say: 'the update is posted; the card and topic say identified',
      kind: 'wait',
      until: { text: 'bad config in the release', in: (vars) => vars.incident! },
    },
    {
      say: 'erin ticks "Assess scope and impact" on the checklist',
      kind: 'click',
      as: 'erin',
      actionId: 'incident_checklist',
      value: 'item-0',
      on: { text: 'Checklist', in: (vars) => vars.incident! },
    },
    {
      say: 'erin notes what was done',
      kind: 'command',
      as: 'erin',
      channel: (vars) => vars.incident!,
      line: '/incident note rolled back checkout to the last good release',
    },
    {
      say: 'erin resolves it with a summary',
      kind: 'command',
      as: 'erin',
      channel: (vars) => vars.incident!,
      line: '/incident resolve "bad release, rolled back"',
    },
    {
      say: 'the summary and its timeline are posted',
      kind: 'wait',
      until: { text: 'Time to resolve', in: (vars) => vars.incident! },
    },
    {
      say: 'a postmortem draft is uploaded to the channel',
      kind: 'wait',
      until: { text: 'Postmortem draft', in: (vars) => vars.incident! },
    },
  ],
};

export const SCENES: Scene[] = [productionDeploy, failingDeploy, blueGreen, canary, backupVerify, restore, incident];
