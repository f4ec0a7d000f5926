import { RegistryError } from './registry-error.js';

/** Node/OpenSSL codes that mean "the TLS handshake or the certificate failed". */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'EPROTO',
]);

/** Codes that mean the peer does not speak TLS at all (a plain-HTTP server answered our ClientHello). */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 5 && current instanceof Error; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function isTlsFailure(error: unknown): boolean {
  return codesOf(error).some((c) => TLS_CODES.has(c) || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'));
}

/** The peer closed or reset the connection (no HTTP answer at all). */
export function isClosedConnection(error: unknown): boolean {
  return codesOf(error).some((c) => c === 'UND_ERR_SOCKET' || c === 'ECONNRESET');
}

/** The server's TLS alert says it wants a (valid) client certificate. */
export function isCertificateRequired(error: unknown): boolean {
  return codesOf(error).some(
    (c) => c === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || c === 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  );
}

/** True when an HTTPS attempt failed because the server speaks plain HTTP (used to fall back for loopback). */
export function isPlainHttpPeer(error: unknown): boolean {
  if (error instanceof RegistryError) return isPlainHttpPeer(error.cause);
  const codes = codesOf(error);
  if (codes.some((c) => NOT_TLS_CODES.has(c))) return true;
  const message = error instanceof Error ? error.message : '';
  return /wrong version number|packet length too long|http request/i.test(message);
}

/** Turns an undici/Node transport error into a `RegistryError` (`TLS` or `NETWORK`, retryable unless TLS). */
export function networkError(error: unknown, method: string, url: URL): RegistryError {
  if (error instanceof RegistryError) return error;
  const codes = codesOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (isTlsFailure(error)) {
    return new RegistryError('TLS', `TLS failure: ${message}${codes[0] ? ` (${codes[0]})` : ''}`, {
      method,
      url,
      cause: error,
      retryable: false,
      hint: 'add the registry CA to SSL_CERT_FILE or certs.d/<host:port>/ca.crt, or mark the registry insecure',
    });
  }
  return new RegistryError('NETWORK', `${message}${codes[0] ? ` (${codes[0]})` : ''}`, {
    method,
    url,
    cause: error,
    retryable: true,
  });
}
