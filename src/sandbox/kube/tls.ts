import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A certificate authority and a server certificate for 127.0.0.1 and localhost, made afresh at each
// start: kubectl sends a bearer token only over TLS, and verifies the server against the CA that
// the generated kubeconfig carries. Node cannot sign X.509 certificates itself; the openssl CLI
// (in every Debian and macOS install) does, with no npm package (decision 0029).
export type TlsMaterial = { ca: string; cert: string; key: string };

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const SERVER_EXTENSIONS = [
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=serverAuth',
].join('\n');

export async function makeTlsMaterial(days = 30): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-sim-tls-'));
  const at = (file: string) => join(dir, file);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  try {
    const ca = ['req', '-x509', ...EC, '-days', String(days), '-subj', '/CN=ops-bot sandbox cluster CA'];
    await openssl([...ca, '-keyout', 'ca.key', '-out', 'ca.crt']);
    await openssl(['req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver']);
    await writeFile(at('server.ext'), `${SERVER_EXTENSIONS}\n`);
    const signed = ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-days', String(days)];
    const serial = `0x${randomBytes(12).toString('hex')}`;
    await openssl([...signed, '-extfile', 'server.ext', '-set_serial', serial, '-out', 'server.crt']);
    const [caPem, cert, key] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map((file) => readFile(at(file), 'utf8')),
    );
    return { ca: caPem!, cert: cert!, key: key! };
  } catch (error) {
    throw new Error(`the kube simulator could not make its TLS certificates with the openssl CLI: ${reasonOf(error)}`, {
      cause: error,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function reasonOf(error: unknown): string {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'openssl is not on PATH';
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr || (error instanceof Error ? error.message : String(error));
}
