import { describe, expect, it } from '@jest/globals';
import { deployView, type DeployProgress } from '../../src/bot/views/deploy.ts';
import { parseCatalog } from '../../src/config/catalog-load.ts';
import { planSummary, type DeployPlan } from '../../src/core/plan.ts';
import { pinnedWords, promotionRefusal, promotionTarget, type PromoteButton } from '../../src/core/promote.ts';
import type { Release } from '../../src/core/release.ts';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const IMAGE = 'registry.example.com/shop/checkout';

function catalog(environments: string[], deployedTo: string[]) {
  const envs = environments.map((env) => `  ${env}:\n    context: ${env}\n`).join('');
  return parseCatalog(
    'catalog.yml',
    `environments:\n${envs}services:\n  checkout:\n    namespace: shop\n    deployment: checkout\n    container: app\n` +
      `    image: ${IMAGE}\n    environments: [${deployedTo.join(', ')}]\n`,
  );
}

describe('where a release is promoted to', () => {
  it('is the next environment in the catalog’s order that the service is deployed to', () => {
    expect(promotionTarget(catalog(['staging', 'production'], ['staging', 'production']), 'checkout', 'staging')).toBe(
      'production',
    );
    const three = catalog(['dev', 'qa', 'production'], ['dev', 'production']);
    expect(promotionTarget(three, 'checkout', 'dev')).toBe('production');
    expect(promotionTarget(three, 'checkout', 'production')).toBeUndefined();
    expect(promotionTarget(catalog(['staging', 'production'], ['staging']), 'checkout', 'staging')).toBeUndefined();
    expect(promotionTarget(three, 'cart', 'dev')).toBeUndefined();
  });
});

const BUTTON: PromoteButton = {
  service: 'checkout',
  env: 'staging',
  to: 'production',
  job: 'deploy-0123456789abcdef',
  version: '1.4.2',
  digest: DIGEST,
};

function row(extra: Partial<Release> = {}): Release {
  const at = new Date('2026-11-30T10:00:00Z');
  return {
    ...{ id: 1, kind: 'deploy', service: 'checkout', env: 'staging', context: 'staging', namespace: 'shop' },
    ...{ deployment: 'checkout', rsUid: 'uid-1', templateHash: 'hash-1', revision: 2, image: `${IMAGE}:1.4.2` },
    ...{ digest: DIGEST, version: '1.4.2', strategy: 'rolling', requester: 'U0BOB00002', approvers: [] },
    ...{ reason: null, jobId: BUTTON.job, incidentChannel: null, requestedAt: at, startedAt: at, finishedAt: at },
    ...{ outcome: 'succeeded', outcomeDetail: null, rolledBackFrom: null, rolledBackAt: null, rolledBackBy: null },
    ...extra,
  } as Release;
}

describe('whether a release may be promoted', () => {
  it('may, when it succeeded, still is good and ran the button’s digest', () => {
    expect(promotionRefusal(BUTTON, row(), [])).toBeUndefined();
  });

  it('may not when the ledger does not know it, or knows it as something else', () => {
    expect(promotionRefusal(BUTTON, undefined, [])?.code).toBe('release_unknown');
    expect(promotionRefusal(BUTTON, row({ version: '1.4.3' }), [])?.code).toBe('bad_button');
    expect(promotionRefusal(BUTTON, row({ digest: `sha256:${'cd34'.repeat(16)}` }), [])?.message).toMatch(
      /names sha256:ab12ab12…, but .* ran sha256:cd34cd34…/,
    );
  });

  it('may not when it failed, was rolled back, or its digest is unknown', () => {
    expect(promotionRefusal(BUTTON, row({ outcome: 'failed' }), [])?.code).toBe('not_succeeded');
    const auto = promotionRefusal(BUTTON, row({ outcome: 'rolled_back_auto', outcomeDetail: 'pods crashed' }), []);
    expect(auto?.message).toContain('by the automatic rollback: pods crashed');
    const rollback = row({ id: 2, kind: 'rollback', requester: 'U0CAROL003', reason: '5xx' });
    const away = row({ outcome: 'rolled_back', rolledBackBy: 2, rolledBackAt: new Date('2026-11-30T11:00:00Z') });
    expect(promotionRefusal(BUTTON, away, [away, rollback])?.message).toContain(
      'was rolled back on 2026-11-30 11:00 UTC by <@U0CAROL003>: 5xx.',
    );
    const unpinned = promotionRefusal(BUTTON, row({ digest: null }), []);
    expect(unpinned).toMatchObject({
      code: 'no_digest',
      hint: expect.stringContaining('/deploy checkout 1.4.2 to production'),
    });
  });
});

const PLAN = {
  kind: 'deploy',
  service: 'checkout',
  env: 'staging',
  context: 'staging',
  namespace: 'shop',
  deployment: 'checkout',
  container: 'app',
  strategy: 'rolling',
  replicas: 3,
  from: { image: `${IMAGE}:1.4.1`, revision: 1 },
  to: { image: `${IMAGE}:1.4.2`, version: '1.4.2' },
} as DeployPlan;

function blocksOf(progress: Partial<DeployProgress>, promoteTo: string | undefined): string {
  const base: DeployProgress = { phase: 'succeeded', startedAt: new Date(0), ready: 3, desired: 3, problems: [] };
  const state = { plan: PLAN, jobId: 'deploy-1', requester: 'U1', progress: { ...base, ...progress }, promoteTo };
  return JSON.stringify(deployView(state).blocks);
}

describe('the Promote button', () => {
  it('is offered on a succeeded deploy with the digest it ran, bound to its job, version and digest', () => {
    const blocks = blocksOf({ digest: DIGEST }, 'production');
    expect(blocks).toContain('Promote to production');
    const value = JSON.stringify({
      service: 'checkout',
      env: 'staging',
      to: 'production',
      job: 'deploy-1',
      version: '1.4.2',
      digest: DIGEST,
    });
    expect(blocks).toContain(JSON.stringify(value).slice(1, -1));
  });

  it('is not offered before success, without a next environment, or without a digest (which it says)', () => {
    expect(blocksOf({ phase: 'rolling', digest: DIGEST }, 'production')).not.toContain('deploy_promote');
    expect(blocksOf({ phase: 'failed', digest: DIGEST }, 'production')).not.toContain('deploy_promote');
    expect(blocksOf({ digest: DIGEST }, undefined)).not.toContain('deploy_promote');
    expect(blocksOf({}, 'production')).not.toContain('did not report');
    const unpinned = blocksOf({ digest: null }, 'production');
    expect(unpinned).not.toContain('deploy_promote');
    expect(unpinned).toContain('did not report the image digest');
  });
});

describe('a pinned version in words', () => {
  it('shows the human version first and the digest beside it', () => {
    expect(pinnedWords('1.4.2', DIGEST)).toBe('1.4.2 (sha256:ab12ab12…)');
    const pinned = {
      ...PLAN,
      env: 'production',
      to: { image: `${IMAGE}@${DIGEST}`, version: '1.4.2', digest: DIGEST },
    };
    expect(planSummary(pinned)).toBe(
      'checkout production: 1.4.1 (rev 1) → 1.4.2 (sha256:ab12ab12…), rolling, 3 replicas',
    );
  });
});
