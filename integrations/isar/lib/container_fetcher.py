# A bitbake fetcher for docker:// URLs that runs isar-fetch instead of skopeo + zstd.
# Drop-in replacement for Isar's meta/lib/container_fetcher.py: same URL syntax, same DL_DIR file names,
# same unpack names, same checksum behaviour (BB_STRICT_CHECKSUM, MissingChecksumEvent).
#
# SPDX-License-Identifier: MIT

import ctypes
import json
import os
import re
import signal
import subprocess
import threading

import bb
from bb.fetch2 import ChecksumError
from bb.fetch2 import FetchError
from bb.fetch2 import FetchMethod
from bb.fetch2 import MissingChecksumEvent
from bb.fetch2 import NoChecksumError
from bb.fetch2 import logger

# Variables the commands see besides bitbake's own FETCH_EXPORT_VARS (proxies, SSL_CERT_FILE, HOME, PATH...):
# where the containers tools keep registry credentials and mirror configuration. Like FETCH_EXPORT_VARS they
# are read from the datastore first, then from the environment bitbake was started in (BB_ORIGENV).
CONTAINER_EXPORT_VARS = [
    "REGISTRY_AUTH_FILE", "DOCKER_CONFIG", "CONTAINERS_REGISTRIES_CONF", "CONTAINERS_CONF",
    "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "ZSTD_DEFAULTS",
]

# Debian architecture (PACKAGE_ARCH) -> OCI architecture and variant: the same table as isar-fetch's
# (packages/fetch-core/src/arch/debian-arch.ts); test_container_fetcher.py compares the two for every arch.
PLATFORMS = {
    "amd64": ("amd64", None),
    "arm64": ("arm64", None),
    "armhf": ("arm", "v7"),
    "armel": ("arm", "v6"),
    "i386": ("386", None),
    "mips64el": ("mips64le", None),
    "mipsel": ("mipsle", None),
    "ppc64el": ("ppc64le", None),
    "riscv64": ("riscv64", None),
    "s390x": ("s390x", None),
    "loong64": ("loong64", None),
}

# Tag and digest become part of a file name under DL_DIR, so they are checked here (a "/" would leave the
# cache). The image name's grammar is checked by isar-fetch when it fetches; it cannot hold a "/" here.
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")
DIGEST = re.compile(r"(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})\Z")
NAME_MAX_BYTES = 255

# isar-fetch keeps what an archive was made from, and its SBOM, beside it; they belong to the archive.
RECORD_SUFFIX = ".isar-fetch.json"
SBOM_SUFFIX = ".cdx.json"

PR_SET_PDEATHSIG = 1

# isar-fetch's line when it has waited a few seconds for a lock held by another process.
WAITING = re.compile(r"[\w.-]+: waiting \d+ s for the lock ")
CREDENTIAL_PARAMETER = re.compile(r"(;(?:pswd|passwd|password)=)[^;\s\"']*", re.IGNORECASE)


def _die_with_parent():
    # Runs in the child before exec: if the bitbake task that started isar-fetch is killed (a worker may be
    # SIGKILLed when the build is stopped), the kernel sends isar-fetch SIGTERM instead of leaving it running.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def local_file(container_name, tag, digest, arch, url):
    """The archive's path relative to DL_DIR, as Isar and isar-fetch name it:
    container-images/<arch>/[<variant>/]<localname>_<digest with ':' -> '-' | tag>.zst"""
    if arch not in PLATFORMS:
        raise FetchError(f'unknown Debian architecture "{arch}" (supported: {", ".join(PLATFORMS)})', url)
    if not TAG.match(tag):
        raise FetchError(f'bad docker:// URL "{url}": invalid tag "{tag}"', url)
    if digest is not None and not DIGEST.match(digest):
        raise FetchError(f'bad docker:// URL "{url}": invalid digest "{digest}"', url)
    oci_arch, variant = PLATFORMS[arch]
    name = container_name.replace("/", ".") + "_" + (digest.replace(":", "-", 1) if digest else tag) + ".zst"
    if "\\" in name or "\0" in name or len(name.encode()) > NAME_MAX_BYTES:
        raise FetchError(f'bad docker:// URL "{url}": refusing the file name "{name[:40]}"', url)
    return "/".join(["container-images", oci_arch] + ([variant] if variant else []) + [name])


class Container(FetchMethod):
    def supports(self, ud, d):
        return ud.type in ["docker"]

    # The archive is named by the digest it was made from and isar-fetch checked every blob against it while
    # writing it; hashing it again for the donestamp (bitbake computes six sums) adds seconds per image and
    # proves nothing more. A missing digest is reported by download() (MissingChecksumEvent), as upstream does.
    def supports_checksum(self, ud):
        return False

    def recommends_checksum(self, ud):
        return False

    def urldata_init(self, ud, d):
        # Runs at parse time and in every task: pure Python, no process is started here.
        ud.tag = ud.parm.get("tag", "latest")
        ud.digest = ud.parm.get("digest")
        ud.container_name = ud.host + (ud.path if ud.path != "/" else "")
        ud.localname = ud.container_name.replace("/", ".")
        ud.arch = d.getVar("PACKAGE_ARCH")
        ud.localfile = local_file(ud.container_name, ud.tag, ud.digest, ud.arch, ud.url)

    def download(self, ud, d):
        strict = d.getVar("BB_STRICT_CHECKSUM") or "0"
        args = ["fetch", ud.url, "--dl-dir", d.getVar("DL_DIR"), "--arch", ud.arch,
                "--strict-checksum", strict, "--json", "--quiet"]
        args += self._config_args(d)
        result = None
        # Without network (BB_NO_NETWORK, or a host outside BB_ALLOWED_NETWORKS), what DL_DIR has is the answer:
        # isar-fetch --offline never opens a connection. Otherwise isar-fetch itself answers a pinned archive
        # from DL_DIR, and bitbake's check decides whether the registry may be asked.
        if self._network_forbidden(d, ud) and os.path.exists(ud.localpath):
            try:
                result = json.loads(self._run(ud, d, args + ["--offline"]))
            except OfflineMiss:
                pass
        if result is None:
            bb.fetch2.check_network_access(d, redact(" ".join(self._command(d, args))), redact(ud.url))
            result = json.loads(self._run(ud, d, args))
        if result.get("sbomWarning"):
            # The archive is there and good; only its SBOM is missing (e.g. <archive>.cdx.json cannot be written).
            logger.warning(f"{redact(ud.url)}: {result['sbomWarning']}")
        if ud.digest:
            return
        index_digest = result["indexDigest"]
        checksum_line = f'SRC_URI = "{redact(ud.url)};digest={index_digest}"'
        bb.event.fire(MissingChecksumEvent(ud.url, sha256sum=index_digest.split(":", 1)[1]), d)
        if strict == "ignore":
            return
        logger.warning(
            f"Missing checksum for '{redact(ud.url)}', consider using this SRC_URI in the recipe:\n{checksum_line}")

    def unpack(self, ud, rootdir, d):
        self._run(ud, d, ["unpack", ud.url, "--dl-dir", d.getVar("DL_DIR"), "--arch", ud.arch,
                          "--workdir", rootdir])

    def clean(self, ud, d):
        # bitbake removes the .done stamp itself; the blob cache is shared by every image and stays.
        bb.utils.remove(ud.localpath)
        bb.utils.remove(ud.localpath + RECORD_SUFFIX)
        bb.utils.remove(ud.localpath + SBOM_SUFFIX)

    def checkstatus(self, fetch, ud, d):
        # resolve asks for the manifests only (HEAD, and the index for the platform): no layer is downloaded.
        args = ["resolve", ud.url, "--arch", ud.arch] + self._config_args(d)
        bb.fetch2.check_network_access(d, " ".join(self._command(d, args)), ud.url)
        self._run(ud, d, args)
        return True

    def _network_forbidden(self, d, ud):
        return bb.utils.to_boolean(d.getVar("BB_NO_NETWORK")) or not bb.fetch2.trusted_network(d, ud.url)

    def _config_args(self, d):
        args = []
        auth_file = d.getVar("CONTAINER_AUTH_FILE")
        if auth_file:
            args += ["--auth-file", auth_file]
        registries_conf = d.getVar("CONTAINER_REGISTRIES_CONF")
        if registries_conf:
            args += ["--registries-conf", registries_conf]
        for host in (d.getVar("CONTAINER_INSECURE_REGISTRIES") or "").split():
            args += ["--insecure-registry", host]
        return args

    def _environment(self, d):
        # bitbake starts tasks with a cleaned environment; this is its own way back to what the user exported.
        env = bb.fetch2.get_fetcher_environment(d)
        origenv = d.getVar("BB_ORIGENV")
        for name in CONTAINER_EXPORT_VARS:
            value = d.getVar(name) or (origenv.getVar(name) if origenv else None)
            if value:
                env[name] = value
        return env

    def _command(self, d, args):
        return (d.getVar("ISAR_FETCH") or "isar-fetch").split() + args

    def _run(self, ud, d, args):
        cmd = self._command(d, args)
        logger.debug2("Running %s", redact(" ".join(cmd)))
        # stderr is read as it comes, so that a wait for a lock held by someone else shows in the task's log and
        # on the console while it lasts, not only after the command ended.
        stderr_lines = []
        with subprocess.Popen(cmd, env=self._environment(d), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, preexec_fn=_die_with_parent) as proc:
            reader = threading.Thread(target=_follow_stderr, args=(proc.stderr, stderr_lines), daemon=True)
            reader.start()
            stdout = proc.stdout.read()
            proc.wait()
            reader.join()
        if proc.returncode == 0:
            return stdout
        raise self._error(ud, proc.returncode, stdout, "".join(stderr_lines))

    def _error(self, ud, returncode, stdout, stderr):
        message = stderr.strip() or f"isar-fetch exited with {returncode}"
        detail = {}
        try:
            detail = json.loads(stdout).get("error", {})
        except (ValueError, AttributeError):
            pass
        code = detail.get("code")
        url = redact(ud.url)
        if code == "OFFLINE":
            return OfflineMiss(message, url)
        if code == "CHECKSUM_MISSING":
            return NoChecksumError(detail.get("srcUri") or message, url)
        if code == "CHECKSUM_MISMATCH":
            # bitbake renames a mismatching file with the checksum it found; that is the digest of the new line.
            found = re.search(r";digest=([a-z0-9]+:[0-9a-f]+)", detail.get("srcUri") or "")
            return ChecksumError(message, url, found.group(1) if found else None)
        return FetchError(message, url)


class OfflineMiss(FetchError):
    """isar-fetch --offline found nothing to answer with in DL_DIR."""


def _follow_stderr(stream, lines):
    for line in stream:
        lines.append(line)
        if WAITING.match(line):
            logger.warning(line.rstrip("\n"))


def redact(text):
    """bitbake's credential parameters never reach a log (isar-fetch refuses them, and redacts them too)."""
    return CREDENTIAL_PARAMETER.sub(lambda m: m.group(1) + "***", text)
