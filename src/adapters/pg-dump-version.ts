// pg_dump refuses (or worse, half-works) against a server of a newer major than its own, and the
// failure surfaces deep in a job as "aborting because of server version mismatch". Checking first
// lets the backup fail at once with both versions named and what to change.

// "pg_dump (PostgreSQL) 17.2 (Debian 17.2-1)" → { major: 17, text: "17.2" }. Majors before 10 were
// two numbers (9.6), which no longer matter: they count as their first.
export function clientVersion(output: string): { major: number; text: string } | undefined {
  const match = /\(PostgreSQL\)\s+((\d+)(?:\.\d+)*\w*)/.exec(output);
  return match ? { major: Number(match[2]), text: match[1]! } : undefined;
}

// server_version_num is 170002 for 17.2 (and 90624 for 9.6.24, which counts as 9).
export function serverMajor(versionNum: number): number {
  return Math.floor(versionNum / 10_000);
}

// Undefined when pg_dump can dump this server, else the sentence to show.
export function dumpClientProblem(output: string, server: { versionNum: number; text: string }): string | undefined {
  const client = clientVersion(output);
  if (!client) return `pg_dump --version printed "${output.trim().slice(0, 80)}", which names no PostgreSQL version.`;
  const major = serverMajor(server.versionNum);
  if (client.major >= major) return undefined;
  return (
    `pg_dump ${client.text} cannot dump this PostgreSQL ${server.text} server: pg_dump's major version ` +
    `(${client.major}) must be at least the server's (${major}). Install postgresql-client ${major} or newer ` +
    `where the worker runs.`
  );
}

// A custom-format archive names the pg_dump that wrote it in its header (pg_backup_archiver.c,
// ReadHead): "PGDMP", the archive version (major, minor, revision), int and offset sizes, the format,
// the compression (one byte from archive 1.15, an int before), seven ints of creation time, then
// three strings: database name, server version, pg_dump version. Undefined when it is not such a header.
export function dumpedBy(header: Buffer): string | undefined {
  if (header.subarray(0, 5).toString('latin1') !== 'PGDMP') return undefined;
  const [major, minor] = [header[5]!, header[6]!];
  const intSize = header[8]!;
  if (major !== 1 || minor < 10 || intSize < 1 || intSize > 8) return undefined;
  let at = 11;
  // An archive int is a sign byte, then intSize bytes, least significant first.
  const readInt = (): number | undefined => {
    if (at + 1 + intSize > header.length) return undefined;
    let value = 0;
    for (let i = intSize - 1; i >= 0; i--) value = value * 256 + header[at + 1 + i]!;
    const negative = header[at] !== 0;
    at += 1 + intSize;
    return negative ? -value : value;
  };
  const readString = (): string | undefined => {
    const length = readInt();
    if (length === undefined || length < 0 || at + length > header.length) return undefined;
    const text = header.subarray(at, at + length).toString('utf8');
    at += length;
    return text;
  };
  if (minor >= 15) at += 1;
  else if (readInt() === undefined) return undefined;
  for (let field = 0; field < 7; field++) if (readInt() === undefined) return undefined;
  if (readString() === undefined || readString() === undefined) return undefined;
  return readString();
}

// pg_restore cannot read an archive from a newer pg_dump ("unsupported version (1.16) in file header"),
// and says so only after the scratch database exists. Undefined when it can, or when nothing is known.
export function restoreClientProblem(output: string, dumpVersion: string | undefined): string | undefined {
  const client = clientVersion(output);
  const dump = clientVersion(`(PostgreSQL) ${dumpVersion ?? ''}`);
  if (!client || !dump || client.major >= dump.major) return undefined;
  return (
    `pg_restore ${client.text} cannot read this backup: it was written by pg_dump ${dump.text}, and pg_restore's ` +
    `major version must be at least pg_dump's. Install postgresql-client ${dump.major} or newer where the worker runs.`
  );
}
