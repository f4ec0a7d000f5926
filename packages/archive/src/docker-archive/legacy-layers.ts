import { createHash } from 'node:crypto';
import type { Digest } from '@isar/oci-spec';
import { goCompact, goMarshalObject, goString, topLevelRawValues } from './go-json.js';

/** One `<id>/` folder of the legacy (pre-manifest.json) docker-archive layout. */
export interface LegacyLayer {
  /** 64 hex characters. */
  id: string;
  diffId: Digest;
  /** Contents of `<id>/json`. */
  json: Buffer;
}

/** The config members skopeo copies into the top layer's legacy `json`. */
const topLayerAttributes = [
  'architecture',
  'config',
  'container',
  'container_config',
  'created',
  'docker_version',
  'os',
];

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf-8').digest('hex');

/**
 * The legacy layer folders exactly as skopeo (containers/image `docker/internal/tarfile`) derives them, so our
 * docker-archive holds the same names and bytes: each ID is the sha256 of a small JSON document holding the
 * parent ID, the layer's chain ID and, for the top layer, a subset of the image config.
 */
export function legacyLayers(diffIds: readonly Digest[], rawConfig: Uint8Array): LegacyLayer[] {
  const configMembers = topLevelRawValues(Buffer.from(rawConfig).toString('utf-8'));
  const layers: LegacyLayer[] = [];
  let chainId: Digest | undefined;
  let parent: string | undefined;
  diffIds.forEach((diffId, index) => {
    const members = new Map<string, string>();
    if (parent !== undefined) members.set('parent', goString(parent));
    if (index === diffIds.length - 1) {
      for (const attribute of topLayerAttributes) {
        const raw = configMembers.get(attribute);
        members.set(attribute, raw === undefined ? 'null' : goCompact(raw));
      }
    }
    chainId = chainId === undefined ? diffId : `sha256:${sha256Hex(`${chainId} ${diffId}`)}`;
    members.set('layer_id', goString(chainId));
    const id = sha256Hex(goMarshalObject(members));
    members.delete('layer_id');
    members.set('id', goString(id));
    layers.push({ id, diffId, json: Buffer.from(goMarshalObject(members), 'utf-8') });
    parent = id;
  });
  return layers;
}
