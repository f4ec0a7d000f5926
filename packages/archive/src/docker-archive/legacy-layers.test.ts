import type { Digest } from '@isar/oci-spec';
import { describe, expect, it } from 'vitest';
import { legacyLayers } from './legacy-layers.js';

// Figures from `skopeo copy oci:... docker-archive:...` (skopeo 1.9.3) on a two-layer image.
const config =
  '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/busybox","sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:43394fb6dc4d4085bbca78181d65aa0d3ffcf807684d4ecadebb2c9adc3876f8","sha256:0489ec72df2ca605ba41319a7100f9b3571b6cdd94371243b2f5194631d7ec7a"]},"history":[{"created_by":"a"},{"created_by":"b"}]}';
const diffIds: Digest[] = [
  'sha256:43394fb6dc4d4085bbca78181d65aa0d3ffcf807684d4ecadebb2c9adc3876f8',
  'sha256:0489ec72df2ca605ba41319a7100f9b3571b6cdd94371243b2f5194631d7ec7a',
];

describe('legacyLayers', () => {
  it('derives the IDs and json documents skopeo writes', () => {
    const layers = legacyLayers(diffIds, Buffer.from(config));
    expect(layers.map((layer) => layer.id)).toEqual([
      'f6446915782ca49e8e0abddfc10e21def9ab41abf8104712908cbf77ac065cf5',
      '0634a3743187c770f8081ba4e39c927c7985d572fc5c8e708ca0e6338b2819fc',
    ]);
    expect(layers[0]?.json.toString()).toBe(
      '{"id":"f6446915782ca49e8e0abddfc10e21def9ab41abf8104712908cbf77ac065cf5"}',
    );
    expect(layers[1]?.json.toString()).toBe(
      '{"architecture":"amd64","config":{"Cmd":["/bin/busybox","sh"]},"container":null,"container_config":null,"created":null,"docker_version":null,"id":"0634a3743187c770f8081ba4e39c927c7985d572fc5c8e708ca0e6338b2819fc","os":"linux","parent":"f6446915782ca49e8e0abddfc10e21def9ab41abf8104712908cbf77ac065cf5"}',
    );
  });

  it('compacts and HTML-escapes config values the way Go re-emits raw JSON', () => {
    const spaced = Buffer.from('{ "os" : "linux", "config" : { "Cmd" : [ "a<b>&c" ] , "n": 1.50 } }');
    const [layer] = legacyLayers(
      ['sha256:43394fb6dc4d4085bbca78181d65aa0d3ffcf807684d4ecadebb2c9adc3876f8'],
      spaced,
    );
    expect(layer?.json.toString()).toContain('"config":{"Cmd":["a\\u003cb\\u003e\\u0026c"],"n":1.50}');
  });
});
