import type { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';

// The suite's catalog: five services in staging and production, so scenarios can run changes side by side
// (one change per target). Production needs 2 of @sre-leads (carol, frank) and alice; incidents are for
// @oncall only, so fuzzed texts sent as the guest can never open a channel.
export const SERVICES = ['checkout', 'cart', 'search', 'payments', 'inventory'] as const;
export type Service = (typeof SERVICES)[number];

export const REGISTRY = 'registry.example.com/shop';

export function imageOf(service: string, version: string): string {
  return `${REGISTRY}/${service}:${version}`;
}

export function chaosCatalog(): string {
  const services = SERVICES.map(
    (service) => `  ${service}:
    namespace: shop
    deployment: ${service}
    container: app
    image: ${REGISTRY}/${service}
    environments: [staging, production]
    timeout: 2m`,
  ).join('\n');
  return `environments:
  staging:
    context: staging
    approval: none
  production:
    context: prod
    approval:
      approvers: ["@sre-leads", "U0ALICE001"]
      required: 2
      expires: 30m
    rollbackApproval:
      approvers: ["@sre-leads", "@oncall"]
      required: 1
      expires: 15m
services:
${services}
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
  incident: ["@oncall"]
`;
}

// Every service runs 1.0.0 in both clusters, with a progress deadline no slow scenario reaches.
export function seedDeployments(kube: { staging: KubeSimulator; prod: KubeSimulator }): void {
  for (const sim of [kube.staging, kube.prod])
    for (const service of SERVICES)
      sim.addDeployment({
        namespace: 'shop',
        name: service,
        container: 'app',
        image: imageOf(service, '1.0.0'),
        replicas: 3,
        progressDeadlineSeconds: 6_000,
      });
}
