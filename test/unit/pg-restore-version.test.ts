import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { checkRestoreClient } from '../../src/adapters/pg-dump.ts';
import { dumpedBy, restoreClientProblem } from '../../src/adapters/pg-dump-version.ts';

// A custom-format header as pg_dump writes it: archive 1.minor, 4-byte ints, 8-byte offsets.
function header(minor: number, dumpVersion: string): Buffer {
  const int = (value: number) => {
    const bytes = Buffer.alloc(5);
    bytes[0] = value < 0 ? 1 : 0;
    bytes.writeUInt32LE(Math.abs(value), 1);
    return bytes;
  };
  const str = (text: string) => Buffer.concat([int(Buffer.byteLength(text)), Buffer.from(text)]);
  const compression = minor >= 15 ? Buffer.from([0]) : int(-1);
  const time = Buffer.concat([47, 31, 13, 30, 10, 126, 0].map(int));
  return Buffer.concat([
    Buffer.from('PGDMP'),
    Buffer.from([1, minor, 0, 4, 8, 1]),
    compression,
    time,
    str('orders'),
    str('17.2'),
    str(dumpVersion),
  ]);
}

describe('pg_restore against the archive it reads', () => {
  it('reads which pg_dump wrote an archive, before and after the 1.15 header change', () => {
    expect(dumpedBy(header(14, '15.20 (Debian 15.20-0+deb12u1)'))).toBe('15.20 (Debian 15.20-0+deb12u1)');
    expect(dumpedBy(header(16, '17.2 (Debian 17.2-1)'))).toBe('17.2 (Debian 17.2-1)');
  });

  it('reads a header the pg_dump on this machine wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsbot-pgdump-'));
    try {
      const file = join(dir, 'postgres.dump');
      execFileSync('pg_dump', [
        '--format=custom',
        `--file=${file}`,
        '--dbname=postgres://postgres@127.0.0.1:5432/postgres',
      ]);
      const version = /\(PostgreSQL\) (\S+)/.exec(execFileSync('pg_dump', ['--version']).toString())![1]!;
      expect(dumpedBy(readFileSync(file).subarray(0, 1_024))).toMatch(new RegExp(`^${version.replace('.', '\\.')}\\b`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is undefined for what is not a custom-format header, or is cut short', () => {
    expect(dumpedBy(Buffer.from('-- PostgreSQL database dump\n'))).toBeUndefined();
    expect(dumpedBy(header(14, '15.20').subarray(0, 40))).toBeUndefined();
  });

  it('names both versions and what to install when pg_restore is older than the pg_dump', () => {
    expect(restoreClientProblem('pg_restore (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)', '17.2 (Debian 17.2-1)')).toBe(
      "pg_restore 15.20 cannot read this backup: it was written by pg_dump 17.2, and pg_restore's major version " +
        "must be at least pg_dump's. Install postgresql-client 17 or newer where the worker runs.",
    );
    expect(restoreClientProblem('pg_restore (PostgreSQL) 17.0', '17.2')).toBeUndefined();
    expect(restoreClientProblem('pg_restore (PostgreSQL) 17.0', '16.4')).toBeUndefined();
    expect(restoreClientProblem('pg_restore (PostgreSQL) 15.20', undefined)).toBeUndefined();
  });

  it('refuses before anything is restored when the archive is from a newer pg_dump than this pg_restore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsbot-pgdump-'));
    try {
      const file = join(dir, 'future.dump');
      writeFileSync(file, header(16, '99.1'));
      await expect(checkRestoreClient(file)).rejects.toMatchObject({
        code: 'pg_restore_too_old',
        message: expect.stringContaining('written by pg_dump 99.1'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
