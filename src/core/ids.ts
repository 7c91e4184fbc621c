import { createHash, randomBytes } from 'node:crypto';

// Ids are minted on every request: draw randomness in batches rather than one syscall per id.
const POOL_SIZE = 4_096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function random(length: number): Uint8Array {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  offset += length;
  return pool.subarray(offset - length, offset);
}

// Crockford base32 without look-alikes: ids people read aloud on a bridge call.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let index = 0; index < length; index += 1) out += ALPHABET[bytes[index]! % 32];
  return out;
}

export function newCorrelationId(): string {
  return `c-${base32(random(12), 12)}`;
}

export function newErrorId(): string {
  return `E-${base32(random(6), 6).toUpperCase()}`;
}

// Job ids derive from what identifies the Slack delivery (trigger_id, or message ts + action + user),
// so a retried or replayed delivery maps to the same job id and BullMQ refuses a second job.
// BullMQ forbids ":" and all-digit ids; "<kind>-<hex>" is neither.
export function jobIdFor(kind: string, deliveryKey: string): string {
  return `${kind}-${createHash('sha256').update(deliveryKey).digest('hex').slice(0, 16)}`;
}

export function kindOfJobId(jobId: string): string | undefined {
  const match = /^([a-z][a-z-]*)-[a-z0-9]+$/.exec(jobId);
  return match?.[1];
}

export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
