import { writeFile } from 'node:fs/promises';
import { catalogJsonSchema } from '../src/config/catalog-json-schema.ts';

// `npm run config:schema`: regenerates config/catalog.schema.json (a test fails when it is stale).
await writeFile(new URL('../config/catalog.schema.json', import.meta.url), catalogJsonSchema());
process.stdout.write('wrote config/catalog.schema.json\n');
