import { MediaType } from '@isar/oci-spec';
import { describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseManifestDocument } from './manifest-document.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const manifest = {
  schemaVersion: 2,
  config: { mediaType: MediaType.ociConfig, digest: `sha256:${'a'.repeat(64)}`, size: 2 },
  layers: [],
};

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('manifest documents', () => {
  it('classifies by Content-Type, then mediaType, then shape', () => {
    expect(
      parseManifestDocument(bytes(manifest), `${MediaType.dockerManifest}; charset=utf-8`, 'm'),
    ).toMatchObject({
      kind: 'image',
      mediaType: MediaType.dockerManifest,
    });
    expect(
      parseManifestDocument(bytes({ ...manifest, mediaType: MediaType.ociManifest }), 'application/json', 'm')
        .mediaType,
    ).toBe(MediaType.ociManifest);
    expect(parseManifestDocument(bytes({ schemaVersion: 2, manifests: [] }), undefined, 'm')).toMatchObject({
      kind: 'index',
      mediaType: MediaType.ociIndex,
    });
  });

  it('refuses schema 1 clearly, whichever way it shows', () => {
    const signed = failure(() =>
      parseManifestDocument(
        bytes({ schemaVersion: 1, name: 'x', fsLayers: [] }),
        MediaType.dockerManifestV1Signed,
        'manifest x:y',
      ),
    );
    expect(isRegistryError(signed, 'UNSUPPORTED_SCHEMA1')).toBe(true);
    expect((signed as Error).message).toContain('schema 1');
    expect((signed as { hint: string }).hint).toMatch(/obsolete/);
    const bare = failure(() =>
      parseManifestDocument(bytes({ schemaVersion: 1, fsLayers: [] }), 'application/json', 'm'),
    );
    expect(isRegistryError(bare, 'UNSUPPORTED_SCHEMA1')).toBe(true);
  });

  it('refuses what is not a manifest', () => {
    expect(
      isRegistryError(
        failure(() => parseManifestDocument(Buffer.from('{'), undefined, 'm')),
        'PROTOCOL',
      ),
    ).toBe(true);
    expect(
      isRegistryError(
        failure(() => parseManifestDocument(bytes({ schemaVersion: 3 }), undefined, 'm')),
        'PROTOCOL',
      ),
    ).toBe(true);
    expect(
      isRegistryError(
        failure(() =>
          parseManifestDocument(
            bytes({ schemaVersion: 2, mediaType: 'application/vnd.cncf.helm.config.v1+json' }),
            undefined,
            'm',
          ),
        ),
        'UNSUPPORTED_MEDIA_TYPE',
      ),
    ).toBe(true);
  });
});
