// Catalogs for tests: the example catalog's shape, with the knobs a test needs (expiry, freezes)
// and no weekly freeze, so no test depends on the day CI happens to run.
export type TestCatalogOptions = {
  expires?: string;
  required?: number;
  freezeToday?: boolean;
  breakGlass?: boolean;
  approvalChannel?: boolean;
};

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

export function testCatalog(options: TestCatalogOptions = {}): string {
  const freeze = options.freezeToday
    ? `
    freeze:
      - name: launch-week
        start: ${isoDay(-1)}
        end: ${isoDay(1)}
        tz: UTC`
    : '';
  const breakGlass =
    options.breakGlass === false
      ? ''
      : `
    breakGlass:
      approvers: ["@incident-commanders"]
      required: 1`;
  return `environments:
  staging:
    context: staging
    approval: none
  production:
    context: prod${options.approvalChannel === false ? '' : '\n    approvalChannel: C0APPROVALS'}
    approval:
      approvers: ["@sre-leads", "U0ALICE001"]
      required: ${options.required ?? 2}
      expires: ${options.expires ?? '30m'}
    rollbackApproval:
      approvers: ["@sre-leads", "@oncall"]
      required: 1
      expires: 15m${freeze}${breakGlass}
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: registry.example.com/shop/checkout
    environments: [staging, production]
    timeout: 1m
  search:
    namespace: shop
    deployment: search
    container: api
    image: registry.example.com/shop/search
    environments: [staging]
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
  incident: ["*"]
`;
}

// The test catalog with incidents whose clocks tick in seconds: P0 escalates after 1 s, P3's
// update reminder comes every 2 s, and a resolved channel is archived 3 s after its summary.
export function incidentCatalog(): string {
  return `${testCatalog()}  incidentAdmin: ["@incident-commanders"]
incidents:
  broadcastChannel: incidents
  escalationChannel: eng-leads
  bridgeUrl: "https://meet.example.com/{channel}"
  oncall: ["@oncall"]
  archiveAfter: 3s
  severities:
    P0: { responders: ["@oncall", "@eng-leads"], ackWithin: 1s, updateEvery: 1h, escalateTo: ["@eng-leads"] }
    P1: { responders: ["@oncall"], ackWithin: 1h, updateEvery: 1h, escalateTo: ["@eng-leads"] }
    P2: { ackWithin: 1h, updateEvery: 1h, checklist: ["Find the failing query", "Tell support"] }
    P3: { ackWithin: 1h, updateEvery: 2s }
`;
}

// Incidents that page: P0 and P1 have routing keys (the stack's `pagingKeys` give their values).
export function pagingCatalog(): string {
  return incidentCatalog().replace(
    '  archiveAfter: 3s\n',
    '  archiveAfter: 3s\n  paging: { P0: env:OPSBOT_TEST_PD_P0, P1: env:OPSBOT_TEST_PD_P1 }\n',
  );
}

// Rollback tests: checkout (rolling, no automatic rollback, so a failed deploy stays to be rolled back)
// in staging and production, storefront (blue-green) in staging; production rollbacks need one of
// @sre-leads or @oncall, and production deploys two of @sre-leads unless `deployApproval` is false.
export function rollbackCatalog(options: { image: string; storefront: string; deployApproval?: boolean }): string {
  const deployApproval =
    options.deployApproval === false ? '' : '\n    approval: { approvers: ["@sre-leads"], required: 2, expires: 30m }';
  return `environments:
  staging:
    context: staging
  production:
    context: prod${deployApproval}
    rollbackApproval: { approvers: ["@sre-leads", "@oncall"], required: 1, expires: 15m }
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${options.image}
    environments: [staging, production]
    autoRollback: false
    timeout: 1m
  storefront:
    namespace: shop
    deployment: storefront
    container: web
    image: ${options.storefront}
    strategy: bluegreen
    service: storefront
    gracePeriod: 1h
    environments: [staging]
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
`;
}
