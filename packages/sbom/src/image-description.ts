/** What the SBOM says about the image itself (the CycloneDX metadata component). */
export interface ImageDescription {
  /** Fully qualified repository, `docker.io/library/debian`; absent for an untagged archive. */
  repository?: string;
  tag?: string;
  /** Every `name:tag` the archive gives the image. */
  repoTags: string[];
  /** The registry manifest digest (known for oci archives, or handed in by the fetcher). */
  manifestDigest?: string;
  configDigest: string;
  /** The image index the manifest was chosen from, when known. */
  indexDigest?: string;
  platform: { os: string; architecture: string; variant?: string };
  /** Where the image was fetched from: `docker://registry/repo:tag`. */
  sourceUrl?: string;
  layers: { digest: string; diffId: string; mediaType?: string }[];
}
