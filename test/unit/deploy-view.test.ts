import { describe, expect, it } from '@jest/globals';
import { deployView, type DeployProgress } from '../../src/bot/views/deploy.ts';
import type { DeployPlan } from '../../src/core/plan.ts';

const PLAN: DeployPlan = {
  kind: 'deploy',
  service: 'checkout',
  env: 'staging',
  context: 'staging',
  namespace: 'shop',
  deployment: 'checkout',
  container: 'app',
  strategy: 'rolling',
  replicas: 3,
  from: { image: 'registry.example.com/shop/checkout:1.4.1', revision: 1 },
  to: { image: 'registry.example.com/shop/checkout:1.4.5-broken', version: '1.4.5-broken' },
} as DeployPlan;

// The message's blocks as text (the notification fallback is separate and says the outcome on its own).
function shown(progress: Partial<DeployProgress>): string {
  const base: DeployProgress = { phase: 'rolling', startedAt: new Date(0), ready: 0, desired: 3, problems: [] };
  const view = deployView({ plan: PLAN, jobId: 'deploy-1', requester: 'U1', progress: { ...base, ...progress } });
  return JSON.stringify(view.blocks);
}

describe('the deploy progress message', () => {
  it("counts the new release's pods, with the old ones apart, while it rolls out", () => {
    const text = shown({ ready: 1, old: 3 });
    expect(text).toContain('new 1/3 ready · old 3 serving');
    expect(text).not.toContain(' 3/3 ready');
  });

  it('names a problem once: the one that failed the release is its Why line', () => {
    const problem = { reason: 'ErrImagePull', message: 'checkout:1.4.5-broken not found', pods: 3, doomed: true };
    const text = shown({
      phase: 'rolling-back',
      failure: 'the new pods cannot start: ErrImagePull: checkout:1.4.5-broken not found (3 pods)',
      problems: [problem, { reason: 'Readiness probe failing', message: 'HTTP 503', pods: 1, doomed: false }],
    });
    expect(text.match(/ErrImagePull/g)).toHaveLength(1);
    expect(text).toContain('Readiness probe failing: HTTP 503');
  });

  it('offers Cancel while rolling out, not while the automatic rollback already puts the start back', () => {
    expect(shown({ phase: 'rolling' })).toContain('deploy_cancel');
    expect(shown({ phase: 'rolling-back' })).not.toContain('deploy_cancel');
  });

  it('says interrupted with why, and offers a rollback instead of Cancel, once the worker died for good', () => {
    const why = 'the worker running it stopped twice; the cluster may be mid-rollout';
    const text = shown({ phase: 'interrupted', failure: why, finishedAt: new Date(5_000) });
    expect(text).toContain('— interrupted');
    expect(text).toContain(`*Why:* ${why}`);
    expect(text).not.toContain('deploy_cancel');
    expect(text).toContain('deploy_rollback');
  });

  it('offers no Rollback once its own rollback undid it or its canary was aborted: nothing of it is live', () => {
    const ended = { finishedAt: new Date(5_000) };
    expect(shown({ phase: 'rolled-back', ...ended })).not.toContain('deploy_rollback');
    expect(shown({ phase: 'aborted', ...ended })).not.toContain('deploy_rollback');
    expect(shown({ phase: 'failed', ...ended })).toContain('deploy_rollback');
    expect(shown({ phase: 'succeeded', ...ended })).toContain('deploy_rollback');
  });
});

describe("a canary's message while it holds", () => {
  const canary = { ...PLAN, strategy: 'canary' } as DeployPlan;
  const step = { index: 2, count: 4, percent: 25, replicas: 3 };
  const holding = (hold: DeployProgress['hold']) => {
    const base: DeployProgress = { phase: 'holding', startedAt: new Date(0), ready: 3, desired: 3, problems: [] };
    return deployView({ plan: canary, jobId: 'deploy-1', requester: 'U1', progress: { ...base, step, hold } });
  };
  const actionIds = (blocks: unknown[]) => JSON.stringify(blocks).match(/canary_[a-z_]+/g);

  it('shows when the hold ends as a Slack date token, and the step the buttons are for', () => {
    const view = holding({ next: 50, until: new Date('2026-11-30T10:05:00Z') });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('holding until <!date^1796033100^{time_secs}|10:05:00 UTC>, then 50 %');
    expect(actionIds(view.blocks)).toEqual(['canary_promote', 'canary_promote_all', 'canary_pause', 'canary_abort']);
    expect(text).toContain('"value":"{\\"job\\":\\"deploy-1\\",\\"step\\":2}"');
  });

  it('says who paused it and what is left, and offers Resume', () => {
    const view = holding({ next: 50, paused: { by: 'U9', leftMs: 150_000 } });
    expect(JSON.stringify(view.blocks)).toContain('*Paused* by <@U9>: the hold is stopped with 2m 30s left');
    expect(actionIds(view.blocks)).toEqual(['canary_promote', 'canary_promote_all', 'canary_resume', 'canary_abort']);
  });

  it('offers only the Promote that asks when the next step is 100 %', () => {
    expect(actionIds(holding({ next: 100, until: new Date(0) }).blocks)).toEqual([
      'canary_promote_all',
      'canary_pause',
      'canary_abort',
    ]);
  });
});
