import { CatalogError, loadCatalog } from './catalog-load.ts';
import { summarizeCatalog } from './catalog-summary.ts';

// `npm run config:check [file]`: validates a catalog and prints what it allows. Exit 2 when invalid.
const file = process.argv[2] ?? process.env.OPS_CATALOG ?? 'config/catalog.yml';
try {
  const catalog = await loadCatalog(file, { named: process.argv[2] !== undefined });
  process.stdout.write(`${file}: valid\n${summarizeCatalog(catalog)}\n`);
} catch (error) {
  if (!(error instanceof CatalogError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
