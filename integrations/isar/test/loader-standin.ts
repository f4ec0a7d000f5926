/**
 * The smallest stand-in for Isar's meta layer that lets the REAL bitbake (from BITBAKE_DIR) parse and run
 * the loader classes' own tasks: a base class whose do_fetch / do_unpack call bb.fetch2 for file:// URLs as
 * Isar's base.bbclass does, Isar's template transform, and a dpkg-raw with Isar's task order (install after
 * transform_template, prepare_build after install). It builds no Debian package.
 *
 * Why a stand-in: Isar's real meta layer does not parse with current bitbake (it calls bb.persist_data,
 * which bitbake removed in October 2024, after the 2.8 Isar pins); the real meta layer is exercised
 * separately with Isar's own pinned bitbake.
 * docker:// URLs are isar-fetch's (tested with real bitbake by the fetch tests): here do_unpack only
 * creates the archive names a recipe lists in STANDIN_ARCHIVES, where isar-fetch unpack would put them.
 */

export const STANDIN_LAYER_CONF = `
BBPATH .= ":\${LAYERDIR}"
BBFILE_COLLECTIONS += "core"
BBFILE_PATTERN_core = "^\${LAYERDIR}/"
BBFILE_PRIORITY_core = "5"
LAYERSERIES_CORENAMES = "v0.6"
LAYERSERIES_COMPAT_core = "v0.6"
LAYERDIR_core = "\${LAYERDIR}"
`;

export const STANDIN_BITBAKE_CONF = `
TMPDIR = "\${TOPDIR}/tmp"
CACHE = "\${TMPDIR}/cache"
PERSISTENT_DIR = "\${TMPDIR}/persistent"
DL_DIR = "\${TOPDIR}/downloads"
PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[0] or 'unnamed'}"
PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[1] or '1.0'}"
PR = "r0"
PF = "\${PN}-\${PV}-\${PR}"
P = "\${PN}-\${PV}"
BPN = "\${PN}"
WORKDIR = "\${TMPDIR}/work/\${PF}"
S = "\${WORKDIR}/src"
B = "\${S}"
T = "\${WORKDIR}/temp"
STAMP = "\${TMPDIR}/stamps/\${PF}"
FILE_DIRNAME = "\${@os.path.dirname(d.getVar('FILE', False))}"
FILESPATH = "\${FILE_DIRNAME}/\${PN}:\${FILE_DIRNAME}/files:\${FILE_DIRNAME}"
# As Isar: the distro codename is an override, which picks DOCKER_PKGS per release; pn-<recipe> lets
# local.conf give a recipe the stand-in archives without editing it.
OVERRIDES = "\${DISTRO_ARCH}:\${BASE_DISTRO_CODENAME}:pn-\${PN}"
include conf/local.conf
`;

export const STANDIN_BASE_BBCLASS = `
def standin_file_urls(d):
    return [u for u in (d.getVar('SRC_URI') or '').split() if not u.startswith('docker://')]

# As Isar's base.bbclass: a missing file:// source is a parse error that lists the paths searched. Only the
# file:// URLs are given to bitbake here: no docker:// fetcher is registered in this stand-in.
def standin_checksum_files(d):
    local = d.createCopy()
    local.setVar('SRC_URI', ' '.join(standin_file_urls(d)))
    return bb.fetch.get_checksum_file_list(local)

do_fetch[file-checksums] = "\${@standin_checksum_files(d)}"
do_fetch[dirs] = "\${DL_DIR}"
python do_fetch() {
    bb.fetch2.Fetch(standin_file_urls(d), d).download()
}
addtask fetch

do_unpack[dirs] = "\${WORKDIR}"
python do_unpack() {
    workdir = d.getVar('WORKDIR')
    bb.fetch2.Fetch(standin_file_urls(d), d).unpack(workdir)
    for name in (d.getVar('STANDIN_ARCHIVES') or '').split():
        with open(os.path.join(workdir, name), 'w') as archive:
            archive.write('stand-in archive ' + name + '\\n')
}
addtask unpack after do_fetch

# Isar's template.bbclass runs envsubst with only TEMPLATE_VARS defined; so does this.
TEMPLATE_FILES ?= ""
TEMPLATE_VARS ?= "BPN PN PV DESCRIPTION HOMEPAGE MAINTAINER DISTRO_ARCH"
python do_transform_template() {
    import subprocess
    names = (d.getVar('TEMPLATE_VARS') or '').split()
    env = dict(os.environ, **{n: d.getVar(n) or '' for n in names})
    shell_format = ' '.join('\${%s}' % n for n in names)
    for template in (d.getVar('TEMPLATE_FILES') or '').split():
        path = os.path.join(d.getVar('WORKDIR'), template)
        with open(path, 'rb') as src, open(path[:-len('.tmpl')], 'wb') as dst:
            subprocess.run(['envsubst', shell_format], stdin=src, stdout=dst, env=env, check=True)
}
addtask transform_template after do_unpack

addtask build
`;

export const STANDIN_DPKG_RAW_BBCLASS = `
D = "\${S}/image"
DEBIAN_DEPENDS ??= ""
do_install() {
    :
}
do_install[cleandirs] = "\${D}"
addtask install after do_transform_template

do_prepare_build[cleandirs] += "\${S}/debian"
do_prepare_build() {
    touch \${S}/debian/rules
}
addtask prepare_build after do_install before do_build
`;
