import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import pino from 'pino';
import { AuditStore } from '../../src/adapters/audit-store.ts';

// The counter behind OpsBotAuditWritesFailing hears of every row PostgreSQL does not take, and only those.
describe('audit write failures', () => {
  it('are counted, and the write still fails closed', async () => {
    // A port nothing listens on: PostgreSQL refuses every row.
    const pool = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 1_000,
    });
    let failed = 0;
    const audit = new AuditStore(pool, pino({ level: 'silent' }), () => (failed += 1));
    const entry = { event: 'request', decision: 'accepted', actor: 'U0BOB00002', correlationId: 'c1' };
    await expect(audit.record(entry)).rejects.toThrow();
    await expect(audit.record(entry)).rejects.toThrow();
    expect(failed).toBe(2);
    await pool.end();
  });
});
