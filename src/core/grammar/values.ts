import { z } from 'zod';
import { parseDuration } from '../duration.ts';

// Catalog names: lowercase words, as ARCHITECTURE.md fixes them.
export const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
// OCI tag grammar (distribution/reference) or a sha256 digest.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Job ids are "<kind>-<hex>"; see core/job-ids.ts.
export const JOB_ID_PATTERN = /^[a-z][a-z-]*-[a-z0-9]{6,40}$/;
// RDS identifier rules (letters, digits, hyphens; a letter first; no "--"; no trailing hyphen).
const BACKUP_ID = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{0,254}(?<!-)$/;

export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const nameValue = (what: string) =>
  z
    .string()
    .regex(NAME_PATTERN, {
      error: `is not a valid ${what} name: use lowercase letters, digits and hyphens, starting with a letter`,
    })
    .max(63, { error: `is too long for a ${what} name (at most 63 characters)` });

// A name the catalog defines (service, environment, database). Catalog names are lowercase (the
// catalog schema refuses others), so "Production" can only mean "production": read it so.
export const catalogNameValue = (what: string) =>
  z
    .string()
    .transform((text) => text.toLowerCase())
    .pipe(nameValue(what));

export const versionValue = z.string().refine((text) => TAG.test(text) || DIGEST.test(text), {
  error: 'is not a valid version: use an image tag (letters, digits, . _ -, at most 128) or a sha256: digest',
});

export const jobIdValue = z
  .string()
  .regex(JOB_ID_PATTERN, { error: 'is not a job id (job ids look like deploy-3f9a2c71d0e4b5a6)' });

export const backupIdValue = z
  .string()
  .regex(BACKUP_ID, { error: 'is not a valid backup id (letters, digits and single hyphens, starting with a letter)' });

export const severityValue = z
  .string()
  .transform((text) => text.toUpperCase())
  .pipe(z.enum(SEVERITIES, { error: 'is not a severity: use P0, P1, P2 or P3' }));

export const limitValue = z.coerce
  .number({ error: 'is not a number' })
  .int({ error: 'is not a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(50, { error: 'must be at most 50' });

function durationValue(examples: string) {
  return z.string().transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `is not a duration: use e.g. ${examples}` });
      return z.NEVER;
    }
    if (ms <= 0) {
      context.addIssue({ code: 'custom', message: 'is no time at all: use e.g. 1h or 7d' });
      return z.NEVER;
    }
    return ms;
  });
}

export const sinceValue = durationValue('30m, 12h or 7d');
// The release ledger's reads go back at most 90 days; the example says so before a second try has to.
export const ledgerSinceValue = durationValue('12h, 7d or 30d (at most 90d)');

// A pod's name as Kubernetes writes it (a DNS subdomain): the look-ups only compare it with the service's pods.
export const podNameValue = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { error: 'is not a pod name: lowercase letters, digits, "-" and "."' })
  .max(253, { error: 'is too long for a pod name (at most 253 characters)' });

// How many log lines /ops logs shows: bounded so one answer stays one message and one file.
export const MAX_LOG_TAIL = 500;
export const tailValue = z.coerce
  .number({ error: 'is not a number' })
  .int({ error: 'is not a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_LOG_TAIL, { error: `must be at most ${MAX_LOG_TAIL}` });

export const revisionOrVersionValue = z
  .string()
  .transform((text, context): { revision: number } | { version: string } => {
    // Cluster revisions count from 1; "0" or "-2" is a mistake to name, never a revision to look for.
    if (/^[-+]?\d+$/.test(text)) {
      const revision = Number(text);
      if (revision >= 1 && Number.isSafeInteger(revision) && !text.startsWith('+')) return { revision };
      context.addIssue({ code: 'custom', message: 'is not a revision: revisions are whole numbers from 1' });
      return z.NEVER;
    }
    const version = versionValue.safeParse(text);
    if (!version.success) {
      context.addIssue({
        code: 'custom',
        message: 'is neither a revision number (1, 2, …) nor a version (an image tag such as 1.4.2)',
      });
      return z.NEVER;
    }
    return { version: version.data };
  });

export const reasonValue = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(500, { error: 'is too long (at most 500 characters)' });
