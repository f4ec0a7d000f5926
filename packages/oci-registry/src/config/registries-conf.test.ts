import { describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { matchRegistryConfig, pullSources } from '../mirror/pull-sources.js';
import { parseRegistriesConf, type RegistriesConf } from './registries-conf.js';

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
blocked = true

[[registry]]
prefix = "*.corp.example"
insecure = true

[registries.block]
registries = ["evil.example"]
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

  it('rejects invalid files with CONFIG errors', () => {
    for (const text of [
      'not toml [',
      '[[registry]]\ninsecure = true\n',
      '[[registry]]\nprefix = "*.x.example"\nlocation = "y"\n',
      '[[registry]]\nlocation = "a"\n[[registry.mirror]]\nlocation = "b"\npull-from-mirror = "sometimes"\n',
    ]) {
      let error: unknown;
      try {
        parseRegistriesConf(text);
      } catch (e) {
        error = e;
      }
      expect(isRegistryError(error, 'CONFIG')).toBe(true);
    }
  });
});
