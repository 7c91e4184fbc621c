import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { BackupStore } from '../adapters/backup-store.ts';
import { sha256File } from '../adapters/pg-dump.ts';
import { withDefaultUser } from '../adapters/postgres.ts';
import { loadCatalog } from '../config/catalog-load.ts';
import { isBackupId } from '../core/backup-id.ts';
import { manifestSchema } from '../core/backup.ts';

// The sandbox wipes its database at each start, but its pg_dump files and their manifests stay in
// .sandbox/backups/<database>/. Each dump whose manifest matches it (size and sha256 of the file on
// disk) becomes a backup record again, so `/backup list`, verify and restore find it. Only the
// sandbox does this, only in its own directory: the bot in production never trusts a file for a record.
const besideSchema = manifestSchema.extend({
  retainUntil: z.string().datetime(),
  createdBy: z.literal('ops-bot'),
  requestedBy: z.string().min(1),
});

export type Adoption = { adopted: string[]; refused: { file: string; why: string }[] };
type Dumps = { database: string; env: string; dir: string };

export async function adoptDumps(databaseUrl: string, dumps: Dumps): Promise<Adoption> {
  const pool = new pg.Pool({ connectionString: withDefaultUser(databaseUrl), max: 1 });
  const store = new BackupStore(pool);
  const result: Adoption = { adopted: [], refused: [] };
  try {
    // No directory yet: nothing was dumped there.
    const files = (await readdir(dumps.dir).catch(() => [] as string[]))
      .filter((file) => file.endsWith('.manifest.json'))
      .sort();
    for (const file of files) {
      const checked = await checkedManifest(dumps, file);
      if ('why' in checked) {
        result.refused.push({ file, why: checked.why });
        continue;
      }
      const { retainUntil, requestedBy, createdBy: _createdBy, ...manifest } = checked.manifest;
      const adopted = await store.adopt({
        id: checked.id,
        database: dumps.database,
        env: dumps.env,
        requestedBy,
        reason: 'found on disk after the sandbox was reset (manifest and dump match)',
        location: join(dumps.dir, manifest.file),
        manifest,
        retainUntil: new Date(retainUntil),
      });
      if (adopted) result.adopted.push(checked.id);
    }
  } finally {
    await pool.end();
  }
  return result;
}

type Checked = { id: string; manifest: z.output<typeof besideSchema> } | { why: string };

// A manifest is taken only when it is ops-bot's (its shape), names this database and its own dump, and
// the dump beside it has exactly the size and sha256 it records.
async function checkedManifest(dumps: Dumps, file: string): Promise<Checked> {
  const id = file.slice(0, -'.manifest.json'.length);
  if (!isBackupId(id) || !id.startsWith(`${dumps.database}-`)) return { why: 'not a backup id of this database' };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dumps.dir, file), 'utf8'));
  } catch (error) {
    return { why: `unreadable: ${(error as Error).message}` };
  }
  const parsed = besideSchema.safeParse(json);
  if (!parsed.success) return { why: 'not an ops-bot manifest' };
  const manifest = parsed.data;
  if (manifest.database !== dumps.database || manifest.file !== `${id}.dump`)
    return { why: 'names another database or dump' };
  const dump = join(dumps.dir, manifest.file);
  const size = await stat(dump).then(
    (info) => info.size,
    () => undefined,
  );
  if (size === undefined) return { why: 'its dump is missing' };
  if (size !== manifest.sizeBytes)
    return { why: `its dump has ${size} bytes, the manifest says ${manifest.sizeBytes}` };
  if ((await sha256File(dump)) !== manifest.sha256) return { why: "its dump's sha256 differs from the manifest's" };
  return { id, manifest };
}

// Every pg_dump database of the sandbox's catalog whose dumps live under the sandbox's directory.
export async function adoptSandboxDumps(databaseUrl: string, catalogPath: string, sandboxDir: string) {
  const catalog = await loadCatalog(catalogPath);
  const mine = resolve(sandboxDir);
  const results: Adoption[] = [];
  for (const [database, entry] of Object.entries(catalog.databases))
    if (entry.engine === 'postgres' && resolve(entry.dir).startsWith(`${mine}/`))
      results.push(await adoptDumps(databaseUrl, { database, env: entry.environment, dir: entry.dir }));
  return {
    adopted: results.flatMap((result) => result.adopted),
    refused: results.flatMap((result) => result.refused),
  };
}
