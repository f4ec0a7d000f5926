import { createHash } from 'node:crypto';
import type { Models as ModelTypes } from '@cyclonedx/cyclonedx-library';
import packageJson from '../package.json' with { type: 'json' };
import type { ImageDescription } from './image-description.js';
import type { Inventory } from './inventory.js';
import { cycloneDxLibrary } from './library.js';
import { componentLicenses } from './licenses.js';
import { apkPurl, debPurl, ociPurl } from './purls.js';

/** Options of {@link buildCycloneDx}. */
export interface BuildOptions {
  /** metadata.timestamp; omitted when undefined, so the same input gives the same bytes. */
  timestamp?: Date;
}

/**
 * The CycloneDX 1.6 JSON of an image and its inventory. Deterministic: lists sorted, bom-refs derived from
 * purls, the serial number derived from the rest of the document, no timestamp unless one is given.
 */
// Lists are sorted here, by code point, and handed to the serializer in that order (`sortLists: false`): the
// library's own sorting compares with `localeCompare`, whose first call loads ICU's collation data, ~8 ms of
// CPU in every fetch for an order that code points give as well.
export function buildCycloneDx(
  image: ImageDescription,
  inventory: Inventory,
  options: BuildOptions = {},
): string {
  const { Enums, Models } = cycloneDxLibrary();
  const bom = new Models.Bom();
  const imageComponent = imageToComponent(image);
  bom.metadata.component = imageComponent;
  if (options.timestamp) bom.metadata.timestamp = options.timestamp;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, packageJson.name, {
      version: packageJson.version,
      bomRef: `tool:${packageJson.name}`,
    }),
  );
  for (const warning of [...inventory.warnings].sort(byCodePoint))
    bom.metadata.properties.add(new Models.Property('isar:sbom:warning', warning));

  const components: ModelTypes.Component[] = [];
  const os = inventory.osRelease;
  const distroId = os?.ID?.toLowerCase();
  const distro = distroId && os?.VERSION_ID ? `${distroId}-${os.VERSION_ID}` : undefined;
  if (os && distroId) {
    const osComponent = new Models.Component(Enums.ComponentType.OperatingSystem, distroId, {
      bomRef: `os:${distro ?? distroId}`,
      ...(os.VERSION_ID ? { version: os.VERSION_ID } : {}),
      ...(os.PRETTY_NAME ? { description: os.PRETTY_NAME } : {}),
    });
    addProperties(
      osComponent,
      ['ID', 'ID_LIKE', 'VERSION_ID', 'VERSION_CODENAME', 'PRETTY_NAME'].map((key) => [
        `isar:os-release:${key}`,
        os[key],
      ]),
    );
    components.push(osComponent);
  }

  for (const pkg of inventory.deb) {
    const purl = debPurl(distroId ?? 'debian', pkg.name, pkg.version, pkg.architecture, distro);
    const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
      version: pkg.version,
      purl,
      bomRef: purl,
    });
    if (pkg.licenses)
      for (const license of componentLicenses(pkg.licenses.spdx, pkg.licenses.unmapped))
        component.licenses.add(license);
    const properties: [string, string | undefined][] = [
      ['isar:deb:source', pkg.sourceName],
      ['isar:deb:source-version', pkg.sourceVersion],
      ['isar:deb:state', pkg.state && pkg.state !== 'installed' ? pkg.state : undefined],
      ['isar:package:database', pkg.database],
    ];
    addProperties(component, properties);
    components.push(component);
  }
  for (const pkg of inventory.apk) {
    const purl = apkPurl(distroId ?? 'alpine', pkg.name, pkg.version, pkg.architecture, distro);
    const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
      version: pkg.version,
      purl,
      bomRef: purl,
    });
    if (pkg.license)
      for (const license of componentLicenses([pkg.license], [])) component.licenses.add(license);
    addProperties(component, [
      ['isar:apk:origin', pkg.origin],
      ['isar:package:database', pkg.database],
    ]);
    components.push(component);
  }
  components.sort((a, b) => byCodePoint(a.bomRef.value ?? '', b.bomRef.value ?? ''));
  for (const component of components) {
    bom.components.add(component);
    imageComponent.dependencies.add(component.bomRef);
  }

  // The serial number names this document: derive it from everything else, so equal content, equal serial.
  // Spliced into the text after specVersion, where the library puts it: parsing and serializing the whole
  // document again cost ~2 ms per 100 packages.
  const { Serialize, Spec } = cycloneDxLibrary();
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const unnumbered = serializer.serialize(bom, { sortLists: false, space: 2 });
  const specVersion = `\n  "specVersion": ${JSON.stringify(Spec.Spec1dot6.version)},\n`;
  const at = unnumbered.indexOf(specVersion);
  if (at === -1) throw new Error('the CycloneDX serializer wrote no specVersion at the top of the document');
  const cut = at + specVersion.length;
  const serialNumber = `  "serialNumber": ${JSON.stringify(contentUuid(unnumbered))},\n`;
  return `${unnumbered.slice(0, cut)}${serialNumber}${unnumbered.slice(cut)}\n`;
}

function imageToComponent(image: ImageDescription): ModelTypes.Component {
  const { Enums, Models } = cycloneDxLibrary();
  const digest = image.manifestDigest ?? image.configDigest;
  const name = image.repository ?? digest;
  const architecture = image.platform.variant
    ? `${image.platform.architecture}/${image.platform.variant}`
    : image.platform.architecture;
  const purl = image.repository ? ociPurl(image.repository, digest, architecture, image.tag) : undefined;
  const component = new Models.Component(Enums.ComponentType.Container, name, {
    version: image.tag ?? digest,
    bomRef: purl ?? `image:${digest}`,
    ...(purl ? { purl } : {}),
  });
  if (image.sourceUrl)
    component.externalReferences.add(
      new Models.ExternalReference(image.sourceUrl, Enums.ExternalReferenceType.Distribution),
    );
  const platform = `${image.platform.os}/${architecture}`;
  const properties: [string, string | undefined][] = [
    ['isar:image:platform', platform],
    ['isar:image:manifest-digest', image.manifestDigest],
    ['isar:image:config-digest', image.configDigest],
    ['isar:image:index-digest', image.indexDigest],
    ['isar:image:source', image.sourceUrl],
    // Without a manifest digest (a docker-archive keeps none) the purl names the image by its config digest.
    ['isar:image:purl-digest', image.manifestDigest ? undefined : 'config'],
    ...image.repoTags.map((tag): [string, string] => ['isar:image:repo-tag', tag]),
  ];
  image.layers.forEach((layer, index) => {
    // Zero-padded: properties are sorted by name, and layer order matters.
    const n = String(index).padStart(3, '0');
    properties.push(
      [`isar:image:layer:${n}:digest`, layer.digest],
      [`isar:image:layer:${n}:diff-id`, layer.diffId],
    );
    if (layer.mediaType) properties.push([`isar:image:layer:${n}:media-type`, layer.mediaType]);
  });
  addProperties(component, properties);
  return component;
}

function addProperties(
  component: ModelTypes.Component,
  properties: readonly [string, string | undefined][],
): void {
  const { Models } = cycloneDxLibrary();
  const present = properties.filter((pair): pair is [string, string] => Boolean(pair[1]));
  present.sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]));
  for (const [name, value] of present) component.properties.add(new Models.Property(name, value));
}

/** Orders strings by UTF-16 code units: the same order everywhere, without ICU (see buildCycloneDx). */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A UUID (version 8: custom) made of the document's sha256, as CycloneDX's `urn:uuid:` serial number. */
function contentUuid(content: string): string {
  const bytes = createHash('sha256').update(content).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
