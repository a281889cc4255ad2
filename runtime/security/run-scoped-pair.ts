/**
 * The run-scoped self-signed key and certificate that `flowlab run` and `flowlab cluster start` generate when
 * `security.ssl.internal.enabled` is true and no keystore is given: every process of the run shares it, each
 * trusts exactly it, and it is deleted when the run stops. ECDSA P-256, valid for a day, naming localhost,
 * 127.0.0.1, ::1 and this host (so hostname verification passes on loopback and through chaos proxies).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../core/index.js';

const VALIDITY_MS = 24 * 3_600_000;

export interface RunScopedPair extends AsyncDisposable {
  /** The config keys that point every process at the pair (keystore PEM with key and certificate, truststore PEM). */
  readonly config: ConfigInput;
  readonly dir: string;
  /** SHA-1 fingerprint of the certificate, colon-separated hex. */
  readonly fingerprint: string;
  /** Deletes the files. Idempotent. */
  remove(): Promise<void>;
}

/** Generates a pair into a fresh private temp directory (mode 0700, files 0600). */
export async function generateRunScopedPair(): Promise<RunScopedPair> {
  const { generate } = await import('selfsigned'); // loaded only by the process that generates a pair
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'flowlab internal' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: hostname() },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-tls-'));
  const keystore = join(dir, 'internal-keystore.pem');
  const truststore = join(dir, 'internal-truststore.pem');
  await writeFile(keystore, `${pems.private}${pems.cert}`, { mode: 0o600 });
  await writeFile(truststore, pems.cert, { mode: 0o600 });
  let removed: Promise<void> | undefined;
  const remove = (): Promise<void> => (removed ??= rm(dir, { recursive: true, force: true }));
  return {
    dir,
    fingerprint: pems.fingerprint,
    config: {
      'security.ssl.internal.keystore': keystore,
      'security.ssl.internal.keystore-type': 'pem',
      'security.ssl.internal.truststore': truststore,
      'security.ssl.internal.truststore-type': 'pem',
    },
    remove,
    [Symbol.asyncDispose]: remove,
  };
}
