/** The help text; kept next to the option table in args.ts. */
export const USAGE = `Usage: container-loader --images-dir <dir> --engine docker|podman|registry [options]

Loads the container image archives shipped on this device (Isar's image.list and .zst archives)
into docker, podman or a registry. Images already present under their name:tag are skipped.

Options:
  --images-dir <dir>      directory holding the archives (config: IMAGES_DIR)
  --list <file>           image list, lines "<image_file> <name>:<tag>" (config: IMAGE_LIST);
                          default <images-dir>/image.list, else <images-dir>/../image.list,
                          else every *.zst / *.tar in <images-dir>
  --engine <engine>       docker, podman or registry (config: CONTAINER_ENGINE)
  --registry-url <url>    registry for --engine registry (config: REGISTRY_URL;
                          default http://127.0.0.1:5000)
  --delete-after-load     delete each archive once its image is confirmed in place
                          (config: DELETE_AFTER_LOAD=1)
  --force                 load even when the image is already present (config: FORCE=1)
  --tmp-dir <dir>         staging space for --engine registry (config: TMP_DIR; default $TMPDIR or /var/tmp)
  --json                  print one JSON report on stdout (lines go to stderr)
  --config <file>         read KEY=VALUE settings (e.g. /etc/container-loader.conf); flags win
  -h, --help              show this help
  --version               print the version

Each image's line and its JSON result name the image's SBOM (CycloneDX) when one is shipped with it, with
its number of OS packages (dpkg/apk): <archive>.cdx.json or <name>:<tag>.cdx.json beside the archive, or
<images-dir>/../sbom/<name>:<tag>.cdx.json (the Isar package layout). An unreadable SBOM (not CycloneDX
JSON, over 64 MiB) is reported as such; it never fails an image.

Environment: CONTAINER_LOADER_DOCKER / CONTAINER_LOADER_PODMAN name the engine binary (default: docker /
podman on PATH); DOCKER_HOST, CONTAINERS_STORAGE_CONF etc. are passed to the engine.

Exit status: 0 every image loaded or skipped, 1 at least one image failed, 2 bad usage or configuration.
`;
