import pg from 'pg';
import { UserError } from '../../core/user-error.ts';
import { resolveUrl } from './take.ts';

export type SqlCheck = { sql: string; url: string };

// The catalog's check, run on the temporary instance a verify restored: the catalog's URL gives the
// user, password and database; host and port are the temporary instance's endpoint. Passing means
// the query ran and its first value is true or a non-zero number (e.g. `SELECT count(*) > 0 FROM orders`).
export async function runSqlCheck(check: SqlCheck, endpoint: string, name: string): Promise<string> {
  const url = new URL(resolveUrl(check.url, `The verify check of \`${name}\``));
  const [host, port] = endpoint.split(':');
  url.hostname = host!;
  url.port = port ?? '5432';
  const client = new pg.Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: 30_000,
    statement_timeout: 300_000,
  });
  try {
    await client.connect();
    const result = await client.query({ text: check.sql, rowMode: 'array' });
    const value: unknown = (result.rows as unknown[][])[0]?.[0];
    const passed =
      value === true ||
      (typeof value === 'number' && value !== 0) ||
      (typeof value === 'string' && /^(t|true|[1-9]\d*)$/.test(value));
    const shown = value === undefined ? 'no rows' : String(value);
    if (!passed)
      throw new UserError(`The verify check \`${check.sql}\` on the restored copy answered ${shown}, not true.`, {
        code: 'check_failed',
      });
    return shown;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `The verify check \`${check.sql}\` could not run on the restored copy: ${(error as Error).message}`,
      { code: 'check_failed' },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
