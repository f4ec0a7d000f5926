# Packages the container images of a recipe's docker:// SRC_URIs together with container-loader, which
# loads them on the device at boot into docker, podman or a registry.
#
# The recipe API is Isar's container-loader.bbclass: the same class names, the same variables
# (CONTAINER_ENGINE, CONTAINER_DELETE_AFTER_LOAD, CONTAINER_ENGINE_PACKAGES, DOCKER_PKGS), the same
# /usr/share/<pkg>/image.list and images/ layout, so recipes written for Isar's classes work unchanged.
# Only the loader differs: container-loader (verification before each load, one report line per image,
# no first-failure abort, a config file, a registry engine) instead of Isar's shell script.
#
# Usually inherited through docker-loader, podman-loader or registry-loader; directly:
#   inherit container-loader
#   CONTAINER_ENGINE = "podman"
#
# Variables:
#   CONTAINER_ENGINE             docker | podman | registry (required)
#   CONTAINER_DELETE_AFTER_LOAD  "1": delete each archive once its image is confirmed loaded (default "0",
#                                which keeps them so a factory reset can reload)
#   CONTAINER_ENGINE_PACKAGES    runtime dependencies for the engine (defaults per engine, below)
#   CONTAINER_ENGINE_SERVICE     the systemd unit the loader waits for (defaults per engine, below)
#   CONTAINER_REGISTRY_URL       where the registry engine pushes (default http://127.0.0.1:5000)
#   CONTAINER_LOADER_BUNDLE      the single-file loader: a file name found through FILESPATH (default
#                                container-loader.mjs: a copy next to the recipe or in this layer's
#                                recipes-support/isar-container-loader/files/, else the checkout's
#                                apps/container-loader/dist/ after `pnpm build`), or an absolute path
#   CONTAINER_LOADER_NODEJS_CHECK "0": build even for a distro whose own Node.js is older than the loader needs
#                                (the image brings a newer nodejs package); default "1" skips the recipe there
#
# Why this file is in classes-recipe/ and not classes/: Isar's meta layer has a class of the same name in
# meta/classes-recipe/, and bitbake looks for "classes-recipe/<name>.bbclass" in every BBPATH entry before
# it looks for "classes/<name>.bbclass" in any. Here, the first layer in BBPATH that has the class wins.
#
# SPDX-License-Identifier: MIT

inherit dpkg-raw

# Every archive is built for one architecture, so the package is too (as Isar's class does).
DPKG_ARCH ?= "${DISTRO_ARCH}"
DEBIAN_MULTI_ARCH ?= "allowed"

CONTAINER_DELETE_AFTER_LOAD ?= "0"
CONTAINER_REGISTRY_URL ?= "http://127.0.0.1:5000"
CONTAINER_LOADER_BUNDLE ??= "container-loader.mjs"

# Debian package names per release, as Isar's docker-loader.bbclass has them: trixie split the client
# out of docker.io.
DOCKER_PKGS = "docker-cli, docker.io"
DOCKER_PKGS:buster = "docker.io"
DOCKER_PKGS:bullseye = "docker.io"
DOCKER_PKGS:bookworm = "docker.io"

# Weak defaults, so that `inherit container-loader` plus CONTAINER_ENGINE is enough; the engine classes
# and recipes override them.
CONTAINER_ENGINE_PACKAGES ??= "${@container_loader_engine_default(d, 0)}"
CONTAINER_ENGINE_SERVICE ??= "${@container_loader_engine_default(d, 1)}"

def container_loader_engine_default(d, field):
    # (packages, unit). podman has no daemon: its socket unit is the closest thing to "the engine is up".
    engines = {
        'docker': ('%s, apparmor' % d.getVar('DOCKER_PKGS'), 'docker.service'),
        'podman': ('podman', 'podman.socket'),
        'registry': ('docker-registry', 'docker-registry.service'),
    }
    return engines.get(d.getVar('CONTAINER_ENGINE') or '', ('', ''))[field]

python () {
    # Fail at parse rather than ship a package whose loader refuses to start on the device.
    engine = d.getVar('CONTAINER_ENGINE')
    if engine not in ('docker', 'podman', 'registry'):
        bb.fatal('%s: CONTAINER_ENGINE is "%s"; container-loader supports docker, podman and registry '
                 '(inherit docker-loader, podman-loader or registry-loader, or set CONTAINER_ENGINE)'
                 % (d.getVar('PN'), engine or ''))
    container_loader_check_nodejs(d)
}

def container_loader_filespath(d):
    import os
    # An absolute CONTAINER_LOADER_BUNDLE is fetched by its name from its own directory, so that it always
    # lands in WORKDIR under its base name whatever the fetcher does with absolute file:// paths.
    bundle = d.getVar('CONTAINER_LOADER_BUNDLE')
    layer = d.getVar('ISAR_FETCH_LAYERDIR')
    dirs = [os.path.dirname(bundle)] if os.path.isabs(bundle) else []
    dirs.append(os.path.join(layer, 'recipes-support', 'isar-container-loader', 'files'))
    dirs.append(os.path.normpath(os.path.join(layer, '..', '..', 'apps', 'container-loader', 'dist')))
    return ':'.join(dirs)

CONTAINER_LOADER_BUNDLE_NAME = "${@os.path.basename(d.getVar('CONTAINER_LOADER_BUNDLE'))}"

FILESPATH:append = ":${@container_loader_filespath(d)}"
SRC_URI += " \
    file://${CONTAINER_LOADER_BUNDLE_NAME} \
    file://container-loader.service.tmpl \
    file://container-loader.conf.tmpl"

# Node.js runs the loader: 18.19 or later, which Debian bookworm (18.19, 18.20), Ubuntu noble (18.19) and
# Debian trixie (20.19) and later ship. zstd is its decompressor when the zstd-napi addon is absent, which it
# is in the single-file bundle.
CONTAINER_LOADER_NODEJS_MIN = "18.19"
DEBIAN_DEPENDS += "${CONTAINER_ENGINE_PACKAGES}, nodejs (>= ${CONTAINER_LOADER_NODEJS_MIN}), zstd"

# The Node.js each release ships (BASE_DISTRO_CODENAME: version), for the parse-time check below. Releases not
# listed (forky, sid, ...) ship newer ones; apt still checks the dependency when the rootfs is installed.
CONTAINER_LOADER_DISTRO_NODEJS = "buster:10.24 bullseye:12.22 bookworm:18.19 trixie:20.19 focal:10.19 jammy:12.22 noble:18.19"
# "0": do not refuse a release whose own Node.js is too old, because the image gets a newer nodejs package
# from elsewhere (a package built in your layer, an extra apt source).
CONTAINER_LOADER_NODEJS_CHECK ??= "1"

def container_loader_version(text):
    return tuple(int(part) for part in text.split('.'))

def container_loader_check_nodejs(d):
    if not bb.utils.to_boolean(d.getVar('CONTAINER_LOADER_NODEJS_CHECK')):
        return
    codename = d.getVar('BASE_DISTRO_CODENAME') or ''
    shipped = dict(pair.split(':', 1) for pair in d.getVar('CONTAINER_LOADER_DISTRO_NODEJS').split())
    minimum = d.getVar('CONTAINER_LOADER_NODEJS_MIN')
    node = shipped.get(codename)
    if node and container_loader_version(node) < container_loader_version(minimum):
        # Skipped, not fatal: a multiconfig build may hold this distro for images that do not use the loader;
        # whatever needs the recipe fails with this reason ("was skipped: ...").
        raise bb.parse.SkipRecipe(
            '%s: DISTRO %s (%s) ships Node.js %s, and container-loader needs Node.js %s or later. Build for a '
            'distro that has it (debian-bookworm, debian-trixie, ubuntu-noble or later), or, if this image gets '
            'a nodejs >= %s package from elsewhere, set CONTAINER_LOADER_NODEJS_CHECK = "0"'
            % (d.getVar('PN'), d.getVar('DISTRO') or codename, codename, node, minimum, minimum))

TEMPLATE_FILES += " \
    container-loader.service.tmpl \
    container-loader.conf.tmpl"
TEMPLATE_VARS += " \
    CONTAINER_ENGINE \
    CONTAINER_ENGINE_SERVICE \
    CONTAINER_DELETE_AFTER_LOAD \
    CONTAINER_REGISTRY_URL"

do_install() {
    install -m 755 ${WORKDIR}/${CONTAINER_LOADER_BUNDLE_NAME} ${D}/usr/share/${BPN}/container-loader.mjs
    install -m 644 ${WORKDIR}/container-loader.conf ${D}/etc/${BPN}.conf
}
do_install[cleandirs] += " \
    ${D}/usr/share/${BPN} \
    ${D}/usr/share/${BPN}/images \
    ${D}/etc"

# The unpacked archives (WORKDIR/<name with / as .>:<tag>.zst, as the docker:// fetcher's unpack leaves
# them) go to /usr/share/<pkg>/images, each with its image.list line "<file> <name>:<tag>".
python do_install_fetched_containers() {
    import os
    import shutil

    workdir = d.getVar('WORKDIR')
    share = os.path.join(d.getVar('D'), 'usr', 'share', d.getVar('BPN'))
    lines = []
    for uri in (d.getVar('SRC_URI') or '').split():
        scheme, host, path, _, _, parm = bb.fetch.decodeurl(uri)
        if scheme != 'docker':
            continue
        tag = parm.get('tag', 'latest')
        name = host + (path if path != '/' else '')
        image_file = name.replace('/', '.') + ':' + tag + '.zst'
        src = os.path.join(workdir, image_file)
        dst = os.path.join(share, 'images', image_file)
        # A hard link saves copying hundreds of MB; across file systems it cannot be one.
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        # isar-fetch unpack puts the image's SBOM (CycloneDX) beside the archive: it goes into the package
        # too, so the device's software list can name what is inside each container.
        sbom_file = image_file[:-len('.zst')] + '.cdx.json'
        if os.path.exists(os.path.join(workdir, sbom_file)):
            bb.utils.mkdirhier(os.path.join(share, 'sbom'))
            shutil.copy2(os.path.join(workdir, sbom_file), os.path.join(share, 'sbom', sbom_file))
        lines.append('%s %s:%s\n' % (image_file, name, tag))
        bb.note('image.list: %s %s:%s' % (image_file, name, tag))
    with open(os.path.join(share, 'image.list'), 'w') as image_list:
        image_list.writelines(lines)
}
addtask install_fetched_containers after do_install before do_prepare_build

do_prepare_build:append() {
    install -v -m 644 ${WORKDIR}/container-loader.service ${S}/debian/${BPN}.service

    # The payload is compressed already; compressing the package again costs time for nothing.
    cat <<EOF >> ${S}/debian/rules
override_dh_builddeb:
	dh_builddeb -- -Znone
EOF
}
