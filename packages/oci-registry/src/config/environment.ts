import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where configuration is read from. Everything that depends on the user's machine goes through this, so tests
 * (and embedders) can point the client at a private home and `/etc` without touching the real ones.
 */
export interface ClientEnvironment {
  /** Environment variables (default `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory (default `os.homedir()`). */
  readonly homeDir: string;
  /** Root under which `/etc/containers` and `/etc/docker` are looked up (default `/`). */
  readonly rootDir: string;
}

export interface EnvironmentOptions {
  env?: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  rootDir?: string;
}

export function resolveEnvironment(options: EnvironmentOptions = {}): ClientEnvironment {
  const env = options.env ?? process.env;
  return {
    env,
    homeDir: options.homeDir ?? env.HOME ?? homedir(),
    rootDir: options.rootDir ?? '/',
  };
}

/** `$XDG_CONFIG_HOME`, else `~/.config`. */
export function configHome(environment: ClientEnvironment): string {
  return environment.env.XDG_CONFIG_HOME || join(environment.homeDir, '.config');
}

/** A path under the (injectable) system root, e.g. `etcPath(env, 'containers', 'registries.conf')`. */
export function etcPath(environment: ClientEnvironment, ...parts: string[]): string {
  return join(environment.rootDir, 'etc', ...parts);
}

/** Environment variable lookup that also accepts the lower-case spelling (proxies are spelled both ways). */
export function envVar(environment: ClientEnvironment, name: string): string | undefined {
  return environment.env[name] ?? environment.env[name.toLowerCase()];
}
