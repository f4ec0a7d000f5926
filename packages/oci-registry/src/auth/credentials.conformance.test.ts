/**
 * containers/image's credential tables (pkg/docker/config: auth.json and docker config.json, key normalisation,
 * namespaced keys, credential helpers, lookup order, where the auth file is), read from the peer suites at test
 * time; the auth files embedded in the table are written to a private home per row and the helper's answers are
 * served by a generated `docker-credential-helper-registry`. The credential store must answer as skopeo and
 * podman do, except where listed below with the reason.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  describePeerTable,
  type Exception,
  loadPeerTable,
  type PeerRow,
  type RowOutcome,
} from '@isar/testkit/peer-suites';
import { afterAll } from 'vitest';
import { authFilePaths, lookupKeys } from '../config/auth-file.js';
import { createCredentialStore } from '../config/credential-store.js';
import type { Credentials } from '../config/credentials.js';
import { resolveEnvironment } from '../config/environment.js';
import { loadRegistriesConf } from '../config/registries-conf.js';

interface Expected {
  readonly username: string;
  readonly password: string;
  readonly identityToken: string;
}

interface AuthRow extends PeerRow {
  readonly name?: string;
  readonly location?: string;
  readonly key?: string;
  readonly file?: string | null;
  readonly content?: unknown;
  readonly raw?: string;
  readonly also?: Record<string, string>;
  readonly sys?: {
    DockerAuthConfig?: { Username: string; Password: string };
    SystemRegistriesConfPath?: string;
    AuthFilePath?: string;
    LegacyFormatAuthFilePath?: string;
    RootForImplicitAbsolutePaths?: string;
  } | null;
  readonly xdgRuntimeDir?: string;
  readonly expected?: Expected | string | string[];
  readonly input?: string;
}

interface AuthTable {
  readonly files: Record<string, unknown>;
  readonly helperAnswers: Record<string, { stdout: string; exit: number }>;
  readonly cases: AuthRow[];
}

const table = loadPeerTable<AuthTable>('auth.json');
const root = mkdtempSync(join(tmpdir(), 'auth-peer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `docker-credential-helper-registry get`: the table's answer for the server on stdin. */
function writeHelper(bin: string, answers: AuthTable['helperAnswers']): void {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cases = Object.entries(answers)
    .map(
      ([server, a]) =>
        `  ${server === '*' ? '*' : quote(server)}) printf '%s\\n' ${quote(a.stdout)}; exit ${a.exit} ;;`,
    )
    .join('\n');
  mkdirSync(bin, { recursive: true });
  const path = join(bin, 'docker-credential-helper-registry');
  writeFileSync(
    path,
    `#!/bin/sh\n[ "$1" = get ] || exit 3\nread -r server\ncase "$server" in\n${cases}\nesac\n`,
  );
  chmodSync(path, 0o755);
}
if (table.found) writeHelper(join(root, 'bin'), table.data.helperAnswers);

let rowCounter = 0;

/** A private machine for one row: home, runtime dir, system root, and the file placed where the row says. */
function machine(row: AuthRow) {
  const dir = join(root, `row-${++rowCounter}`);
  const home = join(dir, 'home');
  const runtime = join(dir, 'run-user');
  const dockerConfig = join(dir, 'docker-config');
  mkdirSync(home, { recursive: true });
  mkdirSync(runtime, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
  let authFile: string | undefined;
  const place = (location: string, text: string) => {
    const paths: Record<string, string> = {
      'xdg-runtime-auth.json': join(runtime, 'containers', 'auth.json'),
      'docker-config.json': join(home, '.docker', 'config.json'),
      'docker-config-env': join(dockerConfig, 'config.json'),
      'legacy-dockercfg': join(home, '.dockercfg'),
      'explicit-auth-file': join(dir, 'explicit-auth.json'),
      'explicit-docker-config': join(dir, 'explicit-config.json'),
      'explicit-legacy-file': join(dir, 'explicit-legacy.json'),
    };
    const path = paths[location];
    if (!path) throw new Error(`unknown location ${location}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    if (location.startsWith('explicit-')) authFile = path;
  };
  const data = table.found ? table.data.files : {};
  const location = row.location ?? '';
  if (location === 'docker-config-env') env.DOCKER_CONFIG = dockerConfig;
  if (row.raw !== undefined) place(location, row.raw);
  else if (row.content !== undefined) place(location, JSON.stringify(row.content));
  else if (row.file) place(location, JSON.stringify(data[row.file]));
  for (const [where, file] of Object.entries(row.also ?? {})) place(where, JSON.stringify(data[file]));
  const environment = resolveEnvironment({ env, homeDir: home, rootDir: join(dir, 'root') });
  return { dir, environment, authFile };
}

function asExpected(credentials: Credentials | undefined): Expected {
  if (!credentials) return { username: '', password: '', identityToken: '' };
  if (credentials.kind === 'basic') {
    return { username: credentials.username, password: credentials.password, identityToken: '' };
  }
  return { username: credentials.username ?? '', password: '', identityToken: credentials.token };
}

async function lookup(row: AuthRow): Promise<RowOutcome> {
  const { dir, environment, authFile } = machine(row);
  const key = row.key ?? '';
  const slash = key.indexOf('/');
  const registry = slash < 0 ? key : key.slice(0, slash);
  const repository = slash < 0 ? undefined : key.slice(slash + 1);
  let credentialHelpers: readonly string[] | undefined;
  const conf = row.sys?.SystemRegistriesConfPath;
  if (conf && table.found) {
    writeFileSync(join(dir, conf), String(table.data.files[conf]));
    credentialHelpers = loadRegistriesConf(environment, join(dir, conf)).credentialHelpers;
  }
  const given = row.sys?.DockerAuthConfig;
  try {
    const store = createCredentialStore({
      environment,
      ...(authFile ? { authFile } : {}),
      ...(credentialHelpers ? { credentialHelpers } : {}),
      ...(given
        ? {
            credentials: {
              [registry]: { kind: 'basic', username: given.Username, password: given.Password },
            },
          }
        : {}),
    });
    const got = asExpected((await store(registry, repository))?.credentials);
    return { agrees: JSON.stringify(got) === JSON.stringify(row.expected), got, expected: row.expected };
  } catch (error) {
    const got = { error: (error as Error).message };
    return { agrees: row.expected === 'error', got, expected: row.expected };
  }
}

function authPath(row: AuthRow): RowOutcome {
  const tmp = join(root, `tmp-${++rowCounter}`);
  mkdirSync(tmp, { recursive: true });
  const uid = String(process.getuid?.() ?? 0);
  const fill = (s: string) => s.replace('$UID', uid).replace('$TMP', tmp);
  const xdg = row.xdgRuntimeDir ? fill(row.xdgRuntimeDir) : undefined;
  const environment = resolveEnvironment({
    env: { HOME: join(tmp, 'home'), ...(xdg ? { XDG_RUNTIME_DIR: xdg } : {}) },
    homeDir: join(tmp, 'home'),
    rootDir: row.sys?.RootForImplicitAbsolutePaths ?? '/',
  });
  const explicit = row.sys?.AuthFilePath ?? row.sys?.LegacyFormatAuthFilePath;
  const first = authFilePaths(environment, explicit)[0];
  if (row.expected === 'error') {
    // The peer refuses a runtime directory that does not exist, and goes on without it.
    return { agrees: xdg !== undefined && !first?.startsWith(xdg), got: first, expected: `not under ${xdg}` };
  }
  const expected = fill(String(row.expected));
  return { agrees: first === expected, got: first, expected };
}

function check(row: AuthRow): RowOutcome | Promise<RowOutcome> {
  switch (row.kind) {
    case 'lookup':
      return lookup(row);
    case 'auth-path':
      return authPath(row);
    case 'lookup-order': {
      const input = row.input ?? '';
      const slash = input.indexOf('/');
      const got = lookupKeys(input.slice(0, slash), input.slice(slash + 1));
      return { agrees: JSON.stringify(got) === JSON.stringify(row.expected), got, expected: row.expected };
    }
    default:
      throw new Error(`no check for kind ${row.kind}`);
  }
}

const exceptions: Exception<AuthRow>[] = [
  {
    status: 'unsupported',
    reason: 'no API lists every stored credential: a fetch only ever asks for the registry it talks to',
    applies: (row) => row.kind === 'list-all',
  },
];

describePeerTable('containers/image pkg/docker/config (auth.json)', table, check, exceptions);
