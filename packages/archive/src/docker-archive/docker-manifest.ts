import type { RepoTag } from '../repo-tag.js';
import { goMarshalObject, goString } from './go-json.js';

/** One element of a docker-archive `manifest.json`. */
export interface DockerManifestItem {
  /** Entry name of the image config. */
  Config: string;
  /** Fully qualified `name:tag`s. */
  RepoTags: string[];
  /** Entry names of the layers, base first. */
  Layers: string[];
}

/** `manifest.json`, serialised as skopeo's Go encoder does (field order Config, RepoTags, Layers). */
export function dockerManifestJson(items: readonly DockerManifestItem[]): Buffer {
  const list = (values: readonly string[]) => `[${values.map(goString).join(',')}]`;
  const text = items
    .map(
      (item) =>
        `{"Config":${goString(item.Config)},"RepoTags":${list(item.RepoTags)},"Layers":${list(item.Layers)}}`,
    )
    .join(',');
  return Buffer.from(`[${text}]`, 'utf-8');
}

/**
 * The legacy `repositories` file: `{"<name>":{"<tag>":"<id>"}}`, names and tags sorted as Go sorts map keys.
 * `id` is the top legacy layer for docker-archive (as skopeo), or the top layer's blob hex for the oci format.
 */
export function repositoriesJson(entries: ReadonlyArray<{ repoTag: RepoTag; id: string }>): Buffer {
  const byName = new Map<string, Map<string, string>>();
  for (const { repoTag, id } of entries) {
    const tags = byName.get(repoTag.name) ?? new Map<string, string>();
    tags.set(repoTag.tag, goString(id));
    byName.set(repoTag.name, tags);
  }
  const outer = new Map<string, string>();
  for (const [name, tags] of byName) outer.set(name, goMarshalObject(tags));
  return Buffer.from(goMarshalObject(outer), 'utf-8');
}
