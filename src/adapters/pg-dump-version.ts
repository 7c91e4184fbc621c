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
