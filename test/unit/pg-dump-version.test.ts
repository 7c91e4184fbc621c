import { describe, expect, it } from '@jest/globals';
import { clientVersion, dumpClientProblem, serverMajor } from '../../src/adapters/pg-dump-version.ts';

const server = (versionNum: number, text: string) => ({ versionNum, text });

describe('pg_dump against the server it dumps', () => {
  it('reads the client major from what pg_dump --version prints', () => {
    expect(clientVersion('pg_dump (PostgreSQL) 17.2 (Debian 17.2-1.pgdg120+1)\n')).toEqual({ major: 17, text: '17.2' });
    expect(clientVersion('pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)')).toEqual({ major: 15, text: '15.19' });
    expect(clientVersion('pg_dump (PostgreSQL) 18beta1')).toEqual({ major: 18, text: '18beta1' });
    expect(clientVersion('pg_dump (PostgreSQL) 9.6.24')).toEqual({ major: 9, text: '9.6.24' });
    expect(clientVersion('command not found')).toBeUndefined();
  });

  it('reads the server major from server_version_num', () => {
    expect(serverMajor(170_002)).toBe(17);
    expect(serverMajor(160_004)).toBe(16);
    expect(serverMajor(90_624)).toBe(9);
  });

  it('accepts a client of the same or a newer major', () => {
    expect(dumpClientProblem('pg_dump (PostgreSQL) 17.2', server(170_000, '17.0'))).toBeUndefined();
    expect(dumpClientProblem('pg_dump (PostgreSQL) 17.2', server(160_004, '16.4'))).toBeUndefined();
    expect(dumpClientProblem('pg_dump (PostgreSQL) 17.0', server(170_006, '17.6'))).toBeUndefined();
  });

  it('refuses an older client, naming both versions and what to install', () => {
    expect(dumpClientProblem('pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)', server(170_002, '17.2'))).toBe(
      "pg_dump 15.19 cannot dump this PostgreSQL 17.2 server: pg_dump's major version (15) must be at least " +
        "the server's (17). Install postgresql-client 17 or newer where the worker runs.",
    );
  });

  it('refuses output that names no version rather than guessing', () => {
    expect(dumpClientProblem('something else', server(160_000, '16.0'))).toContain('names no PostgreSQL version');
  });
});
