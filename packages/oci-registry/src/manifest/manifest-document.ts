import {
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  MediaType,
} from '@isar/oci-spec';
import { RegistryError } from '../errors/registry-error.js';
import { checkWireDescriptor } from './wire-descriptor.js';

/** A manifest document as fetched: an index (multi-platform) or a single-platform image manifest. */
export type ManifestDocument =
  | { readonly kind: 'index'; readonly mediaType: string; readonly document: ImageIndex }
  | { readonly kind: 'image'; readonly mediaType: string; readonly document: ImageManifest };

const SCHEMA1_HINT =
  'Docker schema 1 manifests are obsolete and not supported; re-push the image with a current docker, skopeo or crane';

/**
 * Parses and classifies manifest bytes. The media type comes from `Content-Type` when it names a manifest type,
 * else from the document's `mediaType`, else from its shape (OCI allows omitting it). Schema 1 is refused with a
 * clear message wherever it shows (header, `mediaType`, or `schemaVersion: 1`). Every descriptor in it (index
 * entries, config, layers) is checked: strict digest grammar, a size a file can have, a media type.
 */
export function parseManifestDocument(
  bytes: Uint8Array,
  contentType: string | undefined,
  what: string,
): ManifestDocument {
  const headerType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (isSchema1MediaType(headerType)) {
    throw new RegistryError('UNSUPPORTED_SCHEMA1', `${what} is a schema 1 manifest`, {
      hint: SCHEMA1_HINT,
      retryable: false,
    });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new RegistryError('PROTOCOL', `${what} is not valid JSON`, { cause: error, retryable: false });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryError('PROTOCOL', `${what} is not a JSON object`, { retryable: false });
  }
  const bodyType = typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  if (parsed.schemaVersion === 1 || isSchema1MediaType(bodyType)) {
    throw new RegistryError('UNSUPPORTED_SCHEMA1', `${what} is a schema 1 manifest`, {
      hint: SCHEMA1_HINT,
      retryable: false,
    });
  }
  if (parsed.schemaVersion !== 2) {
    throw new RegistryError(
      'PROTOCOL',
      `${what} has schemaVersion ${String(parsed.schemaVersion)}, expected 2`,
      {
        retryable: false,
      },
    );
  }
  const known = (t: string | undefined) => isIndexMediaType(t) || isManifestMediaType(t);
  const mediaType = known(headerType)
    ? (headerType as string)
    : known(bodyType)
      ? (bodyType as string)
      : Array.isArray(parsed.manifests)
        ? MediaType.ociIndex
        : MediaType.ociManifest;
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(parsed.manifests)) {
      throw new RegistryError('PROTOCOL', `${what}: index without "manifests"`, { retryable: false });
    }
    // Every digest is checked before anything can use it (a URL path, a file name, a comparison).
    for (const [i, entry] of (parsed.manifests as unknown[]).entries()) {
      checkWireDescriptor(entry, `${what}: entry ${i}`);
    }
    return { kind: 'index', mediaType, document: parsed as unknown as ImageIndex };
  }
  if (!parsed.config || typeof parsed.config !== 'object' || !Array.isArray(parsed.layers)) {
    throw new RegistryError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what} (${headerType ?? bodyType ?? 'no media type'}) is neither an image index nor an image manifest`,
      { retryable: false },
    );
  }
  checkWireDescriptor(parsed.config, `${what}: config`);
  for (const [i, layer] of (parsed.layers as unknown[]).entries())
    checkWireDescriptor(layer, `${what}: layer ${i}`);
  return { kind: 'image', mediaType, document: parsed as unknown as ImageManifest };
}
