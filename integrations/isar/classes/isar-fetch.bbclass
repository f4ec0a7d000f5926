# Registers the isar-fetch docker:// fetcher ahead of any other (Isar's own skopeo-based one included).
# Use: INHERIT += "isar-fetch" in local.conf or the distro config.
#
# Variables read by the fetcher:
#   ISAR_FETCH                   command to run (default: isar-fetch on PATH)
#   BB_STRICT_CHECKSUM           1 | 0 | ignore, as for every other fetcher
#   ZSTD_DEFAULTS                zstd level and threads for the archives (e.g. "--threads=4 -3")
#   CONTAINER_AUTH_FILE          registry credentials (containers auth.json / docker config.json format)
#   CONTAINER_REGISTRIES_CONF    containers-registries.conf with mirrors (e.g. a build farm's pull-through cache)
#   CONTAINER_INSECURE_REGISTRIES  space-separated hosts reached over plain HTTP
#
# From the shell that starts bitbake (as bitbake's own fetchers take FETCH_EXPORT_VARS, through BB_ORIGENV; no
# BB_ENV_PASSTHROUGH_ADDITIONS needed), unless set in the configuration:
#   proxies and TLS (http_proxy, https_proxy, no_proxy, SSL_CERT_FILE, ... = bitbake's FETCH_EXPORT_VARS), and
#   REGISTRY_AUTH_FILE, DOCKER_CONFIG, CONTAINERS_REGISTRIES_CONF, CONTAINERS_CONF, XDG_RUNTIME_DIR, XDG_CONFIG_HOME
# BB_NO_NETWORK and BB_ALLOWED_NETWORKS apply as to every fetcher; a digest-pinned image already in DL_DIR
# needs no network. The do_fetch task needs do_fetch[network] = "1" (Isar's base.bbclass sets it).
#
# SPDX-License-Identifier: MIT

ISAR_FETCH ??= "isar-fetch"

# Anonymous python runs wherever a recipe is parsed (parser and task workers alike), as upstream registers
# its fetcher from dpkg-base; registration is idempotent.
python () {
    import importlib.util
    import os
    import sys
    from bb.fetch2 import methods

    name = "isar_fetch_container_fetcher"
    module = sys.modules.get(name)
    if module is None:
        path = os.path.join(d.getVar("ISAR_FETCH_LAYERDIR"), "lib", "container_fetcher.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    if not any(type(m).__module__ == name for m in methods):
        # bitbake uses the first method whose supports() accepts the URL.
        methods.insert(0, module.Container())
}
