import { loadCatalog } from '../../src/config/catalog-load.ts';
import type { FreezeWindow } from '../../src/core/catalog.ts';
import { EXAMPLE_CATALOG } from './stack.ts';

// The example catalog's production freeze windows, as the sandbox hands them to its scenes.
export async function productionFreeze(): Promise<FreezeWindow[]> {
  return (await loadCatalog(EXAMPLE_CATALOG)).environments.production?.freeze ?? [];
}
