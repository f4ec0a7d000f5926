import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { insecureHostCheck } from '../mirror/insecure-hosts.js';
import { matchRegistryConfig, pullSources } from '../mirror/pull-sources.js';
import { resolveEnvironment } from './environment.js';
import { loadRegistriesConf, parseRegistriesConf, type RegistriesConf } from './registries-conf.js';

const conf = (text: string): RegistriesConf => ({ files: [], registries: parseRegistriesConf(text) });
const never = () => false;

describe('registries.conf', () => {
  const farm = conf(`
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "cache.farm:5000"
insecure = true

[[registry.mirror]]
location = "digests.farm/hub"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "tags.farm"
pull-from-mirror = "tag-only"

[[registry]]
prefix = "docker.io/library/secret"
location = "docker.io/library/secret"
blocked = true

[[registry]]
prefix = "*.corp.example"
insecure = true

[[registry]]
location = "evil.example"
blocked = true
`);

  it('orders mirrors, honours pull-from-mirror, then the primary', () => {
    const byTag = pullSources(farm, { registry: 'docker.io', repository: 'library/debian' }, false, never);
    expect(byTag.map((s) => `${s.registry}/${s.repository}`)).toEqual([
      'cache.farm:5000/library/debian',
      'tags.farm/library/debian',
      'docker.io/library/debian',
    ]);
    expect(byTag[0]).toMatchObject({ insecure: true, mirror: true });
    expect(byTag[2]).toMatchObject({ insecure: false, mirror: false });
    const byDigest = pullSources(farm, { registry: 'docker.io', repository: 'library/debian' }, true, never);
    expect(byDigest.map((s) => `${s.registry}/${s.repository}`)).toEqual([
      'cache.farm:5000/library/debian',
      'digests.farm/hub/library/debian',
      'docker.io/library/debian',
    ]);
  });

  it('takes the longest prefix, matches only at path boundaries, and blocks', () => {
    expect(matchRegistryConfig(farm, 'docker.io/library/secret')?.blocked).toBe(true);
    expect(matchRegistryConfig(farm, 'docker.io/library/secretive')?.blocked).toBe(false);
    expect(matchRegistryConfig(farm, 'docker.iox/a')).toBeUndefined();
    expect(matchRegistryConfig(farm, 'build.corp.example/a/b')?.insecure).toBe(true);
    const blocked = (() => {
      try {
        pullSources(farm, { registry: 'evil.example', repository: 'x' }, false, never);
      } catch (error) {
        return error;
      }
    })();
    expect(isRegistryError(blocked, 'BLOCKED')).toBe(true);
  });

  it('leaves unconfigured registries alone', () => {
    expect(
      pullSources(farm, { registry: 'quay.io', repository: 'a/b' }, false, (h) => h === 'quay.io'),
    ).toEqual([{ registry: 'quay.io', repository: 'a/b', insecure: true, mirror: false }]);
  });

  it('understands the legacy mirror-by-digest-only switch', () => {
    const legacy = conf(`[[registry]]
location = "r.example"
mirror-by-digest-only = true
[[registry.mirror]]
location = "m.example"
`);
    expect(pullSources(legacy, { registry: 'r.example', repository: 'x' }, false, never)).toHaveLength(1);
    expect(pullSources(legacy, { registry: 'r.example', repository: 'x' }, true, never)).toHaveLength(2);
  });

  it.each([
    ['not toml [', 'is not valid TOML'],
    [
      '[[registry]]\ninsecure = true\n',
      '#1 (location ""): invalid condition: both location and prefix are unset',
    ],
    [
      '[[registry]]\nprefix = "x.example/a"\n',
      'location is unset and prefix "x.example/a" is not a wildcard',
    ],
    [
      '[[registry]]\nlocation = "a"\n[[registry.mirror]]\nlocation = "b"\npull-from-mirror = "sometimes"\n',
      '#1 (location "a"), [[registry.mirror]] #1: unsupported pull-from-mirror value "sometimes" for mirror "b"',
    ],
    ['[[registry]]\nlocation = "https://a.example"\n', "invalid location 'https://a.example': URI schemes"],
    ['[[registry]]\nprefix = "http://a.example"\nlocation = "b"\n', "invalid location 'http://a.example'"],
    [
      '[[registry]]\nlocation = "a"\npull-from-mirror = "digest-only"\n',
      'pull-from-mirror must not be set for a non-mirror registry "a"',
    ],
    [
      '[[registry]]\nlocation = "a"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m"\npull-from-mirror = "all"\n',
      'cannot set mirror usage mirror-by-digest-only for the registry ("a") and pull-from-mirror for per-mirror ("m")',
    ],
    ['[[registry]]\nlocation = "a"\n[[registry.mirror]]\ninsecure = true\n', 'mirror location is unset'],
    [
      '[[registry]]\nlocation = "a"\n[[registry.mirror]]\nlocation = "m"\n[[registry]]\nlocation = "a"\ninsecure = true\n',
      "registry 'a' is defined multiple times with conflicting 'insecure' setting",
    ],
    [
      '[[registry]]\nprefix = "p/x"\nlocation = "a"\n[[registry]]\nprefix = "p/y"\nlocation = "a"\nblocked = true\n',
      "registry 'a' is defined multiple times with conflicting 'blocked' setting",
    ],
    ['[[registry]]\nlocation = "a"\ninsecure = "yes"\n', '"insecure" must be true or false'],
    ['[registries.block]\nregistries = ["x"]\n[[registry]]\nlocation = "a"\n', 'mixing sysregistry v1/v2'],
    [
      '[registries.insecure]\nregistries = ["a", "http://b"]\n',
      `[registries.insecure] "http://b": invalid location`,
    ],
    ['credential-helpers = "pass"\n', '"credential-helpers" must be an array'],
  ])('refuses, naming the file, the entry and the rule: %j', (text, message) => {
    let error: unknown;
    try {
      parseRegistriesConf(text, '/etc/containers/registries.conf');
    } catch (e) {
      error = e;
    }
    expect(isRegistryError(error, 'CONFIG')).toBe(true);
    expect((error as Error).message).toContain('/etc/containers/registries.conf');
    expect((error as Error).message).toContain(message);
  });

  it('reads prefix = "" as the location, and a wildcard prefix with a location', () => {
    const c = conf(`
[[registry]]
prefix = ""
location = "plain.example"
insecure = true

[[registry]]
prefix = "*.io"
location = "example.com"
`);
    expect(c.registries.map((r) => [r.prefix, r.location])).toEqual([
      ['plain.example', 'plain.example'],
      ['*.io', 'example.com'],
    ]);
    expect(pullSources(c, { registry: 'quay.io', repository: 'a/b' }, false, never)).toEqual([
      { registry: 'example.com', repository: 'a/b', insecure: false, mirror: false },
    ]);
  });

  it('matches a wildcard with a port, and rewrites only the host name for its mirrors', () => {
    const c = conf(`
[[registry]]
prefix = "*.corp.example"
location = ""
[[registry.mirror]]
location = "mirror.example"
`);
    const sources = (registry: string) =>
      pullSources(c, { registry, repository: 'app' }, false, never).map(
        (s) => `${s.registry}/${s.repository}`,
      );
    expect(sources('build.corp.example:5000')).toEqual([
      'mirror.example:5000/app',
      'build.corp.example:5000/app',
    ]);
    expect(sources('build.corp.example')).toEqual(['mirror.example/app', 'build.corp.example/app']);
    expect(sources('corp.example')).toEqual(['corp.example/app']);
    expect(matchRegistryConfig(farm, 'build.corp.example:5000/app')?.insecure).toBe(true);
    const insecure = insecureHostCheck(farm, []);
    expect([
      insecure('build.corp.example:5000'),
      insecure('a.b.corp.example'),
      insecure('corp.example'),
    ]).toEqual([true, true, false]);
  });

  it('refuses a rewrite that yields no valid reference instead of guessing a registry', () => {
    const c = conf('[[registry]]\nprefix = "example.com/foo"\nlocation = "example.com"\n');
    const digest = `sha256:${'a'.repeat(64)}` as const;
    let error: unknown;
    try {
      pullSources(c, { registry: 'example.com', repository: 'foo', digest }, true, never);
    } catch (e) {
      error = e;
    }
    expect(isRegistryError(error, 'CONFIG')).toBe(true);
    expect((error as Error).message).toContain(
      `rewrites example.com/foo@${digest} to "example.com@${digest}"`,
    );
  });

  it('applies prefixes that name a tag or digest only to that tag or digest', () => {
    const c = conf('[[registry]]\nprefix = "example.com/foo:bad"\nlocation = "example.com/good"\n');
    const tagged = (tag: string) =>
      pullSources(c, { registry: 'example.com', repository: 'foo', tag }, false, never).map(
        (s) => s.repository,
      );
    expect(tagged('bad')).toEqual(['good']);
    expect(tagged('bad2')).toEqual(['foo']);
  });

  it('trims and merges version 1 lists', () => {
    const c = conf(
      '[registries.insecure]\nregistries = ["b.example////"]\n[registries.block]\nregistries = ["b.example"]\n',
    );
    expect(c.registries).toEqual([
      {
        prefix: 'b.example',
        location: 'b.example',
        insecure: true,
        blocked: true,
        mirrors: [],
        file: 'registries.conf',
      },
    ]);
  });

  it('reads credential-helpers; a later file replaces the list, a file without it keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registries-conf-'));
    try {
      const main = join(dir, 'registries.conf');
      writeFileSync(main, 'credential-helpers = ["containers-auth.json", "pass"]\n');
      mkdirSync(join(dir, 'registries.conf.d'));
      const environment = resolveEnvironment({ env: {}, homeDir: dir, rootDir: dir });
      expect(loadRegistriesConf(environment, main).credentialHelpers).toEqual([
        'containers-auth.json',
        'pass',
      ]);
      writeFileSync(join(dir, 'registries.conf.d', '10-a.conf'), 'credential-helpers = ["secretservice"]\n');
      writeFileSync(join(dir, 'registries.conf.d', '20-b.conf'), '[[registry]]\nlocation = "x.example"\n');
      const merged = loadRegistriesConf(environment, main, join(dir, 'registries.conf.d'));
      expect(merged.credentialHelpers).toEqual(['secretservice']);
      expect(merged.files).toHaveLength(3);
      expect(() => loadRegistriesConf(environment, join(dir, 'none.conf'))).toThrow(
        `registries.conf ${join(dir, 'none.conf')} does not exist (open ${join(dir, 'none.conf')}: no such file or directory)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
