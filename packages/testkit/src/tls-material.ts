/**
 * A throw-away certificate authority and certificates issued by it, made with the openssl command
 * (Node cannot create X.509 certificates). Used for the HTTPS registry and to sign registry tokens.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from './run-command.js';

export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
  certPem: string;
}

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Creates a self-signed CA (P-256) in `dir` as ca.crt / ca.key. */
export async function createCertificateAuthority(
  dir: string,
  commonName = 'isar-testkit CA',
  signal?: AbortSignal,
): Promise<CertificateAuthority> {
  const { certFile, keyFile, certPem } = await createSelfSigned(
    dir,
    'ca',
    commonName,
    ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'],
    signal,
  );
  return { certFile, keyFile, certPem };
}

/**
 * Issues a server certificate for loopback (IP SAN 127.0.0.1 and ::1, DNS localhost) signed by `ca`,
 * written to `<dir>/<name>.crt` and `<dir>/<name>.key`.
 */
export function issueServerCertificate(
  dir: string,
  ca: CertificateAuthority,
  name = 'server',
  signal?: AbortSignal,
): Promise<IssuedCertificate> {
  return issueCertificate(dir, ca, name, 'server', signal);
}

/** Issues a TLS client certificate (extendedKeyUsage clientAuth) signed by `ca`, as `<dir>/<name>.crt` / `.key`. */
export function issueClientCertificate(
  dir: string,
  ca: CertificateAuthority,
  name = 'client',
  signal?: AbortSignal,
): Promise<IssuedCertificate> {
  return issueCertificate(dir, ca, name, 'client', signal);
}

async function issueCertificate(
  dir: string,
  ca: CertificateAuthority,
  name: string,
  kind: 'server' | 'client',
  signal?: AbortSignal,
): Promise<IssuedCertificate> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(
    extFile,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      ...(kind === 'server'
        ? ['extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost']
        : ['extendedKeyUsage=clientAuth']),
      '',
    ].join('\n'),
  );
  const subject = kind === 'server' ? '/CN=127.0.0.1' : `/CN=${name}`;
  await runChecked('openssl', ['req', ...ecKey, '-keyout', keyFile, '-out', csrFile, '-subj', subject], {
    signal,
  });
  await runChecked(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
      '-days',
      '7',
      '-extfile',
      extFile,
      '-out',
      certFile,
    ],
    { signal },
  );
  return {
    certFile,
    keyFile,
    certPem: await readFile(certFile, 'utf8'),
    keyPem: await readFile(keyFile, 'utf8'),
  };
}

/** A self-signed P-256 key + certificate (the token signer; the registry trusts it as a root). */
export function createSigningCertificate(dir: string, signal?: AbortSignal): Promise<IssuedCertificate> {
  return createSelfSigned(dir, 'token-signer', 'isar-testkit token signer', [], signal);
}

/** `openssl req -x509`: a P-256 key and a self-signed certificate as `<dir>/<name>.crt` / `.key`. */
async function createSelfSigned(
  dir: string,
  name: string,
  commonName: string,
  extensions: readonly string[],
  signal?: AbortSignal,
): Promise<IssuedCertificate> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const args = ['req', '-x509', ...ecKey, '-keyout', keyFile, '-out', certFile, '-days', '7'];
  args.push('-subj', `/CN=${commonName}`, ...extensions.flatMap((extension) => ['-addext', extension]));
  await runChecked('openssl', args, { signal });
  return {
    certFile,
    keyFile,
    certPem: await readFile(certFile, 'utf8'),
    keyPem: await readFile(keyFile, 'utf8'),
  };
}
