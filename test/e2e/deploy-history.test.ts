import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, currentImage } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// /deploy history on the release ledger, end to end: real Bolt, BullMQ on Redis, PostgreSQL and the
// Kubernetes simulator. Lines are releases joined to ReplicaSets by identity, never by revision.
const STOREFRONT = 'registry.example.com/shop/storefront';
const CATALOG = `environments:
  staging:
    context: staging
    approval: { approvers: ["@sre-leads"], required: 1, expires: 30m }
    rollbackApproval: none
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${IMAGE}
    environments: [staging]
    timeout: 1m
  storefront:
    namespace: shop
    deployment: storefront
    container: web
    image: ${STOREFRONT}
    strategy: bluegreen
    service: storefront
    gracePeriod: 1h
    environments: [staging]
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
`;
const BOB = 'U0BOB00002';
const CAROL = 'U0CAROL003';
const DAVE = 'U0DAVE0004';

let stack: Stack;

function seed(): void {
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.3.9`,
    replicas: 2,
  });
}

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  seed();
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'storefront-blue',
    container: 'web',
    image: `${STOREFRONT}:3.1.0`,
    replicas: 2,
    labels: { app: 'storefront', colour: 'blue' },
  });
  stack.kube.staging.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
});

afterAll(async () => stack.close());

function newMessage(after: number, startsWith: string) {
  return eventually(
    () => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .slice(after)
        .find((message) => message.text.startsWith(startsWith));
      if (!found) throw new Error(`no "${startsWith}" yet`);
      return found;
    },
    { timeoutMs: 30_000, what: startsWith },
  );
}

async function idle(): Promise<void> {
  await eventually(async () =>
    expect(
      (await stack.bot.queues.queue('deploy').getActiveCount()) +
        (await stack.bot.queues.queue('rollback').getActiveCount()),
    ).toBe(0),
  );
}

// Bob asks, Carol (@sre-leads) approves, and the deploy ends as `outcome`.
async function deploy(version: string, outcome = 'succeeded', service = 'checkout'): Promise<void> {
  const before = stack.sim.workspace.channelMessages('C0DEPLOYS01').length;
  await stack.slack.command('bob', `/deploy ${service} ${version} to staging --reason "release ${version}"`);
  const request = await newMessage(before, `:lock: deploy ${service} ${version} to staging`);
  await stack.slack.click('carol', { messageTs: request.ts, actionId: 'approval_approve' });
  await newMessage(before, `${service} ${version} to staging: ${outcome}`);
  await idle();
}

type Actions = { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] };

async function history(service = 'checkout') {
  const answer = await stack.slack.command('erin', `/deploy history ${service} staging`);
  const lines = String(answer.json?.text).split('\n').slice(1);
  const buttons = ((answer.json?.blocks ?? []) as Actions[])
    .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
    .filter((element) => element.action_id === 'rollback_to')
    .map((element) => ({
      text: element.text.text,
      bound: (JSON.parse(element.value) as { bound: { kind: string; version: string; rs: string } }).bound,
    }));
  return { answer, lines, buttons, blocks: JSON.stringify(answer.json?.blocks) };
}

// What someone does with kubectl: a new image, the Deployment's annotations (ops-bot's change-cause
// among them) left as they were, so the new ReplicaSet inherits them.
function patchByHand(version: string): void {
  const deployment = stack.kube.staging.deployment('shop', 'checkout')!;
  stack.kube.staging.store.update({
    ...deployment,
    metadata: { ...deployment.metadata, generation: (deployment.metadata.generation ?? 1) + 1 },
    spec: {
      ...deployment.spec,
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: [{ name: 'app', image: `${IMAGE}:${version}` }] },
      },
    },
  });
  stack.kube.staging.controller.deploymentChanged('shop', 'checkout');
}

describe('/deploy history on the release ledger', () => {
  it('shows one line per release with who and how it ended, the live one marked, buttons on older good ones', async () => {
    await deploy('1.4.0');
    await deploy('1.4.1');
    await deploy('1.4.2');
    stack.kube.staging.failImage(`${IMAGE}:1.4.3`, 'ImagePullBackOff');
    await deploy('1.4.3', 'failed and rolled back');
    const before = stack.sim.workspace.channelMessages('C0DEPLOYS01').length;
    await stack.slack.command('dave', '/rollback checkout staging --reason "5xx after 1.4.2"');
    await newMessage(before, 'checkout rollback to 1.4.1 in staging: rolled back');
    await idle();
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.4.1`);

    const { lines, buttons } = await history();

    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      new RegExp(
        `^:large_green_circle: live \`1\\.4\\.1\` .*rollback by <@${DAVE}> .*succeeded.* — 5xx after 1\\.4\\.2$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(`\`1\\.4\\.3\` .*by <@${BOB}> .*failed, rolled back automatically · approved by <@${CAROL}>`),
    );
    expect(lines[2]).toMatch(/`1\.4\.2` .*succeeded, later rolled back .*— release 1\.4\.2$/);
    expect(lines[3]).toMatch(/`1\.4\.1` .*\(running again\).*:white_check_mark: succeeded/);
    expect(lines[4]).toMatch(new RegExp(`\`1\\.4\\.0\` \`sha256:[0-9a-f]{12}\` rev 2 · by <@${BOB}> `));
    expect(lines[5]).toMatch(/`1\.3\.9` rev 1 · created .* · outside ops-bot$/);
    expect(lines.filter((line) => line.includes('outside ops-bot'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('live'))).toHaveLength(1);
    // Only 1.4.0 is older, good and held: not the live 1.4.1, not 1.4.2 or 1.4.3, not 1.3.9 (unknown).
    expect(buttons.map((button) => button.text)).toEqual(['Roll back to rev 2 (1.4.0)']);
    expect(buttons[0]!.bound).toMatchObject({ kind: 'row', version: '1.4.0', rs: expect.any(String) });
  }, 120_000);

  it('says "outside ops-bot" for a change made by hand, though it inherited ops-bot’s change-cause', async () => {
    patchByHand('1.4.9-hotfix');
    await eventually(async () => expect((await history()).lines[0]).toContain('`1.4.9-hotfix`'));

    const { lines, buttons, blocks } = await history();

    expect(lines[0]).toMatch(/^:large_green_circle: live `1\.4\.9-hotfix` rev \d+ · created .* · outside ops-bot$/);
    // The note says why the hand-made release has no button, and how to reach one anyway.
    expect(JSON.stringify(blocks)).toContain('A release made outside ops-bot has no button');
    expect(lines[1]).toMatch(new RegExp(`^:white_circle: \`1\\.4\\.1\` .*rollback by <@${DAVE}>`));
    // What runs now is not ops-bot's: the good releases it still holds can be gone back to.
    expect(buttons.map((button) => button.bound.version)).toEqual(['1.4.1', '1.4.0']);
  });

  it('shows nothing from before when the Deployment was deleted and created again', async () => {
    stack.kube.staging.store.delete('Deployment', 'shop', 'checkout');
    stack.kube.staging.controller.deploymentChanged('shop', 'checkout');
    await eventually(() =>
      expect(
        stack.kube.staging.store.list('ReplicaSet', 'shop').filter((rs) => rs.metadata.name.startsWith('checkout')),
      ).toHaveLength(0),
    );
    seed();
    await deploy('1.5.0');

    const { lines, buttons, blocks } = await history();

    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^:large_green_circle: live \`1\\.5\\.0\` .*by <@${BOB}> .*— release 1\\.5\\.0$`),
      ),
      expect.stringMatching(/^:white_circle: `1\.3\.9` rev 1 · created .* · outside ops-bot$/),
    ]);
    expect(lines.join('\n')).not.toMatch(/1\.4\.|5xx|<@U0DAVE0004>/);
    expect(buttons).toEqual([]);
    expect(blocks).toContain('releases of the one deleted before it are not shown');
  }, 60_000);

  it('keeps --limit: the newest N lines, and says how many there are', async () => {
    const { lines, blocks } = await (async () => {
      const answer = await stack.slack.command('erin', '/deploy history checkout staging --limit 1');
      return { lines: String(answer.json?.text).split('\n').slice(1), blocks: JSON.stringify(answer.json?.blocks) };
    })();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('`1.5.0`');
    expect(blocks).toContain('Newest 1 of 2 shown');
  });

  it('lists both colours of a blue-green service, each line naming its Deployment', async () => {
    await deploy('3.2.0', 'succeeded', 'storefront');

    const { lines, buttons } = await history('storefront');

    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^:large_green_circle: live \`3\\.2\\.0\` .*rev 1 in storefront-green · by <@${BOB}> .*succeeded`),
      ),
      expect.stringMatching(/^:white_circle: `3\.1\.0` rev 1 in storefront-blue · created .* · outside ops-bot$/),
    ]);
    expect(buttons).toEqual([]);
  });
});
