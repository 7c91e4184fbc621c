import { z } from 'zod';

// A pg_dump's manifest (written beside the dump, read back by verify and restore) and ops-bot's record
// of a backup it took: what `/backup list`, verify and restore look up by id.
export const manifestSchema = z.object({
  database: z.string(),
  format: z.literal('pg_dump custom'),
  file: z.string(),
  sizeBytes: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  serverVersion: z.string(),
  takenAt: z.string(),
  tables: z.array(z.object({ schema: z.string(), name: z.string(), rows: z.number(), estimate: z.number() })),
});
export type Manifest = z.output<typeof manifestSchema>;

export type BackupRecord = {
  id: string;
  database: string;
  engine: string;
  env: string;
  status: string;
  requestedBy: string;
  reason: string | undefined;
  jobId: string | undefined;
  createdAt: Date;
  completedAt: Date | undefined;
  sizeBytes: number | undefined;
  location: string | undefined;
  manifest: Manifest | undefined;
  retainUntil: Date;
  error: string | undefined;
};
