import { z } from 'zod';
import type { Catalog } from '../../core/catalog.ts';
import { iamPolicy } from './iam-policy.ts';
import { kubeObjects, kubeYaml } from './kube-objects.ts';
import type { Subject } from './kube-role.ts';

// `--service-account ns/name` or `--subject User:name` / `Group:name` / `ServiceAccount:ns/name`.
const dnsName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const serviceAccount = z
  .string()
  .regex(/^[^/]+\/[^/]+$/, { error: 'expected namespace/name, e.g. ops-bot/ops-bot' })
  .transform((text) => text.split('/') as [string, string])
  .refine(([namespace, name]) => dnsName.test(namespace) && dnsName.test(name), {
    error: 'namespace and name must be lowercase DNS names',
  })
  .transform(([namespace, name]): Subject => ({ kind: 'ServiceAccount', namespace, name }));

export function parseSubject(text: string): Subject {
  const match = /^(User|Group|ServiceAccount):(.+)$/.exec(text);
  if (!match)
    throw new Error(`--subject: expected User:<name>, Group:<name> or ServiceAccount:<ns>/<name>, got "${text}"`);
  if (match[1] === 'ServiceAccount') return parseServiceAccount(match[2]!);
  return { kind: match[1] as 'User' | 'Group', name: match[2]! };
}

export function parseServiceAccount(text: string): Subject {
  const result = serviceAccount.safeParse(text);
  if (result.success) return result.data;
  throw new Error(`--service-account: ${result.error.issues[0]!.message}, got "${text}"`);
}

export function parseAccount(text: string): string {
  if (!/^\d{12}$/.test(text)) throw new Error(`--account: expected a 12-digit AWS account id, got "${text}"`);
  return text;
}

// A context name as a file name: kubeconfig contexts may be ARNs (EKS) or contain slashes.
export const fileNameOf = (context: string) => `${context.replace(/[^A-Za-z0-9._-]/g, '-')}.yaml`;

// Every file `npm run rbac` writes, by name: one YAML per context, iam-policy.json when the catalog has RDS.
export function rbacFiles(
  catalog: Catalog,
  options: { subject: Subject; account?: string; source: string; iam?: boolean },
): Map<string, string> {
  const files = new Map<string, string>();
  for (const [context, objects] of kubeObjects(catalog, options.subject))
    files.set(fileNameOf(context), kubeYaml(context, objects, options.source));
  const policy = options.iam === false ? undefined : iamPolicy(catalog, options.account);
  if (policy) files.set('iam-policy.json', `${JSON.stringify(policy, null, 2)}\n`);
  return files;
}
