import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CatalogError, loadCatalog } from '../src/config/catalog-load.ts';
import { ACCOUNT_PLACEHOLDER } from '../src/config/rbac/iam-policy.ts';
import { parseAccount, parseServiceAccount, parseSubject, rbacFiles } from '../src/config/rbac/files.ts';

// `npm run rbac -- [catalog] [--out dir] [--service-account ns/name | --subject Kind:name] [--account id] [--no-iam]`:
// the least-privilege Roles, RoleBindings and IAM policy for a catalog (docs/operations.md, "RBAC and IAM").
const USAGE =
  'usage: npm run rbac -- [catalog] [--out dir] [--service-account ns/name | --subject User:name|Group:name] ' +
  '[--account 123456789012] [--no-iam]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'rbac' },
      'service-account': { type: 'string' },
      subject: { type: 'string' },
      account: { type: 'string' },
      // The in-cluster overlay keeps only its Role: the IAM policy is deploy/rbac's.
      'no-iam': { type: 'boolean', default: false },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (positionals.length > 1) fail(`expected at most one catalog file, got: ${positionals.join(' ')}`);
if (values.subject && values['service-account']) fail('give --service-account or --subject, not both');
const file = positionals[0] ?? process.env.OPS_CATALOG ?? 'config/catalog.yml';
let options;
try {
  options = {
    // deploy/base/serviceaccount.yaml, in the namespace the overlays put the bot in.
    subject: values.subject
      ? parseSubject(values.subject)
      : parseServiceAccount(values['service-account'] ?? 'ops-bot/ops-bot'),
    ...(values.account ? { account: parseAccount(values.account) } : {}),
    source: file,
    iam: !values['no-iam'],
  };
} catch (error) {
  fail((error as Error).message);
}
let catalog;
try {
  catalog = await loadCatalog(file, { named: positionals[0] !== undefined });
} catch (error) {
  if (!(error instanceof CatalogError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
await mkdir(values.out, { recursive: true });
for (const [name, text] of rbacFiles(catalog, options)) {
  await writeFile(join(values.out, name), text);
  process.stdout.write(`wrote ${join(values.out, name)}\n`);
}
if (
  options.iam &&
  !options.account &&
  catalog &&
  Object.values(catalog.databases).some((database) => database.engine !== 'postgres')
)
  process.stdout.write(`iam-policy.json names the account as ${ACCOUNT_PLACEHOLDER}: pass --account to fill it in\n`);
