import { z } from 'zod';
import { catalogSchema } from '../core/catalog.ts';

const SCHEMA_ID = 'https://github.com/ops-bot/ops-bot/config/catalog.schema.json';

// The catalog's JSON Schema, for editors (yaml-language-server) and other tools; generated from
// the zod schema so they cannot disagree. config/catalog.schema.json is this, checked in.
export function catalogJsonSchema(): string {
  const schema = z.toJSONSchema(catalogSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  const document = { ...schema, $id: SCHEMA_ID, title: 'ops-bot catalog' };
  return `${JSON.stringify(document, null, 2)}\n`;
}
