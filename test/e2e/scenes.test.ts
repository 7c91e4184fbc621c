import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OffsetClock } from '../../src/core/clock.ts';
import { failTaggedImages } from '../../src/sandbox/failing-tags.ts';
import { playScenes } from '../../src/sandbox/scenes/setup.ts';
import { SceneRunner } from '../../src/sandbox/scenes/runner.ts';
import type { ScenePlay } from '../../src/sandbox/scenes/types.ts';
import { productionFreeze } from '../support/example-freeze.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Every scene the sandbox offers, played through its control route against the real bot, and the
// end each README story promises read from the simulated workspace and clusters.
const CLI = new URL('../../src/sandbox/cli.ts', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
let stack: Stack;
let runner: SceneRunner;
const clock = new OffsetClock();

function seedExampleServices(stack: Stack): void {
  for (const cluster of [stack.kube.staging, stack.kube.prod]) {
    const image = (name: string, version: string) => `registry.example.com/shop/${name}:${version}`;
    cluster.addDeployment({
      namespace: 'shop',
      name: 'checkout',
      container: 'app',
      image: image('checkout', '1.4.1'),
      replicas: 3,
    });
    cluster.addDeployment({
      namespace: 'shop',
      name: 'search',
      container: 'api',
      image: image('search', '2.0.0'),
      replicas: 4,
    });
    cluster.addDeployment({
      namespace: 'shop',
      name: 'storefront-blue',
      container: 'web',
      image: image('storefront', '3.1.0'),
      replicas: 2,
      labels: { app: 'storefront', colour: 'blue' },
    });
    cluster.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
    failTaggedImages(cluster);
  }
  stack.rds.addInstance('orders-prod');
  stack.rds.addCluster('analytics-prod');
}

beforeAll(async () => {
  stack = await startStack({ clock });
  seedExampleServices(stack);
  runner = playScenes(stack.sim, stack.kube, await productionFreeze());
}, 30_000);

afterAll(async () => {
  await stack?.close();
});

async function play(name: string): Promise<ScenePlay> {
  const started = await fetch(`${stack.sim.url}/_sim/scenes/${name}`, { method: 'POST' });
  expect(started.status).toBe(202);
  const play = await runner.played!;
  if (play.state !== 'finished') throw new Error(`${name}: ${play.error}\n${play.lines.map((l) => l.say).join('\n')}`);
  return play;
}

const texts = (channel = 'C0DEPLOYS01') =>
  stack.sim.workspace.channelMessages(channel).map((message) => `${message.text}\n${JSON.stringify(message.blocks)}`);
const image = (context: 'staging' | 'prod', name: string) =>
  JSON.stringify(stack.kube[context].deployment('shop', name)?.spec).match(/shop\/[a-z]+:([^"]+)/)?.[1];

describe('scenes', () => {
  it('lists every scene with its title and step count', async () => {
    const answer = (await (await fetch(`${stack.sim.url}/_sim/scenes`)).json()) as { scenes: { name: string }[] };
    expect(answer.scenes.map((scene) => scene.name)).toEqual([
      'production-deploy',
      'failing-deploy',
      'blue-green',
      'canary',
      'backup-verify',
      'restore',
      'incident',
    ]);
  });

  it('production-deploy: two approvals, the progress message ends in success, the clock is put back', async () => {
    const played = await play('production-deploy');
    expect(played.lines.map((line) => line.say)).toContain('carol asks to deploy checkout 1.4.2 to production');
    expect(image('prod', 'checkout')).toBe('1.4.2');
    expect(texts().join('\n')).toMatch(/`1\.4\.2` in \*production\* — succeeded/);
    expect(texts().join('\n')).toContain('Approved by <@U0FRANK006> (button), <@U0ALICE001> (:white_check_mark:)');
    expect(clock.offsetMs).toBe(0);
    // Played again, it deploys the next version.
    await play('production-deploy');
    expect(image('prod', 'checkout')).toBe('1.4.3');
  }, 40_000);

  it('failing-deploy: the crash-looping version is rolled back, and again', async () => {
    await play('failing-deploy');
    expect(image('staging', 'checkout')).toBe('1.4.1');
    expect(texts().join('\n')).toContain('*checkout* `1.4.2-crash` to *staging*: *failed and rolled back*');
    // Again: the same failing version (staging is back on 1.4.1), now with the bot's warning that it was rolled back.
    await play('failing-deploy');
    const endings = texts().filter((text) =>
      text.includes('*checkout* `1.4.2-crash` to *staging*: *failed and rolled back*'),
    );
    expect(endings).toHaveLength(2);
  }, 30_000);

  it('blue-green: storefront is switched to the new colour', async () => {
    await play('blue-green');
    expect(image('staging', 'storefront-green')).toBe('3.1.1');
  }, 30_000);

  it('canary: search is promoted all the way', async () => {
    await play('canary');
    expect(image('staging', 'search')).toBe('2.0.1');
  }, 30_000);

  it('backup-verify: the backup is verified', async () => {
    const played = await play('backup-verify');
    expect(played.lines.at(-1)!.say).toBe('the verify passes');
  }, 30_000);

  it('restore: a new instance from the snapshot', async () => {
    await play('restore');
    expect(texts().join('\n')).toMatch(/Restore of orders-\S+ into orders-drill-\S+: restored at/);
    expect([...stack.rds.state.instances.keys()].some((name) => name.startsWith('orders-drill-'))).toBe(true);
  }, 30_000);

  it('incident: declared, acknowledged, ticked, resolved with its summary and postmortem', async () => {
    await play('incident');
    const channel = [...stack.sim.workspace.channels.values()].find((each) => each.name.startsWith('inc-'))!;
    const posted = stack.sim.workspace.channelMessages(channel.id);
    const summary = posted
      .map((message) => JSON.stringify(message.blocks))
      .find((blocks) => blocks.includes('Time to resolve'));
    expect(summary).toContain('bad release, rolled back');
    expect(summary).toContain('Assess scope and impact');
    expect(summary).toContain('Status investigating → identified by <@U0ERIN0005>');
    expect(summary).toMatch(/Commander[^"]*<@U0ERIN0005>/);
    expect(posted.some((message) => message.files?.some((file) => file.title.startsWith('Postmortem draft')))).toBe(
      true,
    );
  }, 30_000);

  it('a production scene played in a freeze moves the clock to its end only, and puts it back', async () => {
    const seen: string[] = [];
    const frozen = new SceneRunner(
      stack.sim,
      { image: () => undefined },
      [
        {
          name: 'reads-the-clock',
          title: 'reads the clock',
          workingHours: true,
          steps: [{ say: 'the clock is read', kind: 'compute', run: () => ({ at: clock.now().toISOString() }) }],
        },
      ],
      await productionFreeze(),
    );
    const playAt = async (at: string) => {
      clock.setAt(new Date(at));
      frozen.start('reads-the-clock');
      const played = await frozen.played!;
      seen.push(played.lines[0]!.say);
      expect(clock.now().getTime() - new Date(at).getTime()).toBeLessThan(60_000);
      return played;
    };
    try {
      // Saturday evening in Berlin: that night's freeze (sat 16:00 → 08:00) ends on Sunday at 08:00 Berlin.
      await playAt('2026-12-05T19:00:00Z');
      expect(seen[0]).toBe(
        "production is frozen (weekend): the sandbox's clock is set to its end, 2026-12-06 07:00 UTC",
      );
      // A Tuesday morning is not frozen: the clock stays where it is.
      await playAt('2026-12-01T09:00:00Z');
      expect(seen[1]).toBe('the clock is read');
    } finally {
      clock.reset();
    }
  });

  it('a scene that waits in vain stops and names its step and what it waited for', async () => {
    const stuck = new SceneRunner(stack.sim, { image: () => undefined }, [
      {
        name: 'stuck',
        title: 'waits for nothing',
        steps: [
          { say: 'alice asks for help', kind: 'command', as: 'alice', line: '/ops help' },
          {
            say: 'a reply that never comes',
            kind: 'wait',
            until: { text: 'no such reply', in: 'deploys' },
            timeoutMs: 1_000,
          },
        ],
      },
    ]);
    stuck.start('stuck');
    const played = await stuck.played!;
    expect(played.state).toBe('stopped');
    expect(played.error).toBe('scene stopped at step 2: waited 1 s for "no such reply" in deploys');
  });

  it('a second scene is refused while one plays', async () => {
    const first = await fetch(`${stack.sim.url}/_sim/scenes/incident`, { method: 'POST' });
    expect(first.status).toBe(202);
    const second = await fetch(`${stack.sim.url}/_sim/scenes/canary`, { method: 'POST' });
    expect(second.status).toBe(409);
    // The incident played again (and again), a new channel each time.
    expect((await runner.played)!.state).toBe('finished');
  }, 30_000);

  const slack = (...args: string[]) =>
    promisify(execFile)(process.execPath, [CLI, '--sim', stack.sim.url, ...args], { cwd: ROOT });

  it("npm run slack -- --scene list names them; --scene plays one, printing narration and the bot's messages", async () => {
    expect((await slack('--scene', 'list')).stdout).toContain(
      'incident           An incident from declaration to postmortem',
    );
    const { stdout } = await slack('--scene', 'blue-green');
    expect(stdout).toContain('══ scene blue-green: A blue-green deploy: the Service switches colour ══');
    expect(stdout).toContain('▶ step 2/3: bob deploys storefront 3.1.2 to staging');
    // Narration comes before what the step made the bot post.
    expect(stdout.indexOf('▶ step 2/3')).toBeLessThan(stdout.indexOf('── posted in #deploys'));
    expect(stdout).toContain('══ scene blue-green finished ══');
    expect(image('staging', 'storefront-blue')).toBe('3.1.2');
  }, 30_000);

  it('npm run slack -- --scene exits 1 with the reason when it cannot play', async () => {
    await fetch(`${stack.sim.url}/_sim/scenes/incident`, { method: 'POST' });
    const refused = await slack('--scene', 'canary').catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('the scene incident is playing') });
    // The incident played again (and again), a new channel each time.
    expect((await runner.played)!.state).toBe('finished');
  }, 30_000);
});
