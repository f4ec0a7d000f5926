import { spawn } from 'node:child_process';
import { registerSecret } from '../errors/redact.js';
import { RegistryError } from '../errors/registry-error.js';
import type { Credentials } from './credentials.js';

const HELPER_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT = 1024 * 1024;

/** The server URL helpers are asked about: Docker Hub's legacy URL for Docker Hub, the host otherwise. */
export function helperServerUrl(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin, as docker does. Returns `undefined` when the
 * helper has no credentials for that server ("credentials not found"); any other failure is a
 * `CREDENTIAL_HELPER` error. A `Username` of `<token>` means the secret is an identity token.
 */
export async function runCredentialHelper(
  name: string,
  registry: string,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new RegistryError('CONFIG', `invalid credential helper name "${name}"`);
  }
  const program = `docker-credential-${name}`;
  const { code, stdout, stderr } = await run(program, ['get'], helperServerUrl(registry), env, signal);
  const output = stdout.trim();
  if (code !== 0) {
    if (/credentials not found/i.test(output) || /credentials not found/i.test(stderr)) return undefined;
    throw new RegistryError(
      'CREDENTIAL_HELPER',
      `${program} get failed with exit code ${code}: ${(stderr || output).trim().slice(0, 300)}`,
    );
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(output) as typeof parsed;
  } catch (error) {
    throw new RegistryError('CREDENTIAL_HELPER', `${program} get printed something that is not JSON`, {
      cause: error,
    });
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  registerSecret(secret);
  if (!secret) return undefined;
  if (username === '<token>') return { kind: 'identity-token', token: secret };
  return { kind: 'basic', username, password: secret };
}

function run(
  program: string,
  args: string[],
  input: string,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
      timeout: HELPER_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += d;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) return reject(signal.reason);
      reject(
        new RegistryError(
          'CREDENTIAL_HELPER',
          error.code === 'ENOENT'
            ? `credential helper ${program} not found on PATH`
            : `cannot run ${program}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    child.on('close', (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin must not crash us
    child.stdin.end(input);
  });
}
