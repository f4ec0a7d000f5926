# A bitbake fetcher for docker:// URLs that runs isar-fetch instead of skopeo + zstd.
# Drop-in replacement for Isar's meta/lib/container_fetcher.py: same URL syntax, same DL_DIR file names,
# same unpack names, same checksum behaviour (BB_STRICT_CHECKSUM, MissingChecksumEvent).
#
# SPDX-License-Identifier: MIT

import json
import os
import subprocess

import bb
from bb.fetch2 import ChecksumError
from bb.fetch2 import FetchError
from bb.fetch2 import FetchMethod
from bb.fetch2 import MissingChecksumEvent
from bb.fetch2 import NoChecksumError
from bb.fetch2 import logger

# What the commands may see of the build environment: the proxy and TLS variables bitbake passes to every
# fetcher, plus where registry credentials and mirror configuration live.
PASSTHROUGH = [
    "HOME", "PATH",
    "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR",
    "REGISTRY_AUTH_FILE", "DOCKER_CONFIG", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
    "CONTAINERS_REGISTRIES_CONF",
]

# isar-fetch exit codes: 0 success, 1 fetch/registry/checksum failure, 2 bad usage or input.
EXIT_FAILURE = 1
EXIT_USAGE = 2


class Container(FetchMethod):
    def supports(self, ud, d):
        return ud.type in ["docker"]

    def urldata_init(self, ud, d):
        ud.tag = ud.parm.get("tag", "latest")
        ud.digest = ud.parm.get("digest")
        ud.container_name = ud.host + (ud.path if ud.path != "/" else "")
        ud.localname = ud.container_name.replace("/", ".")
        ud.arch = d.getVar("PACKAGE_ARCH")
        # The cache path comes from the tool so Python and TypeScript can never disagree on it.
        ud.localfile = self._run(ud, d, ["localpath", ud.url, "--arch", ud.arch]).strip()

    def download(self, ud, d):
        strict = d.getVar("BB_STRICT_CHECKSUM") or "0"
        args = ["fetch", ud.url, "--dl-dir", d.getVar("DL_DIR"), "--arch", ud.arch,
                "--strict-checksum", strict, "--json", "--quiet"]
        args += self._config_args(d)
        result = json.loads(self._run(ud, d, args))
        if ud.digest:
            return
        index_digest = result["indexDigest"]
        checksum_line = f'SRC_URI = "{ud.url};digest={index_digest}"'
        bb.event.fire(MissingChecksumEvent(ud.url, sha256sum=index_digest.split(":", 1)[1]), d)
        if strict == "ignore":
            return
        logger.warning(
            f"Missing checksum for '{ud.url}', consider using this SRC_URI in the recipe:\n{checksum_line}")

    def unpack(self, ud, rootdir, d):
        self._run(ud, d, ["unpack", ud.url, "--dl-dir", d.getVar("DL_DIR"), "--arch", ud.arch,
                          "--workdir", rootdir])

    def checkstatus(self, fetch, ud, d):
        self._run(ud, d, ["resolve", ud.url] + self._config_args(d))
        return True

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
        env = {}
        for name in PASSTHROUGH:
            value = d.getVar(name) or os.environ.get(name)
            if value:
                env[name] = value
        zstd = d.getVar("ZSTD_DEFAULTS")
        if zstd:
            env["ZSTD_DEFAULTS"] = zstd
        return env

    def _run(self, ud, d, args):
        tool = d.getVar("ISAR_FETCH") or "isar-fetch"
        cmd = tool.split() + args
        logger.debug2("Running %s", " ".join(cmd))
        proc = subprocess.run(cmd, env=self._environment(d), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode == 0:
            return proc.stdout
        raise self._error(ud, proc)

    def _error(self, ud, proc):
        message = proc.stderr.strip() or f"isar-fetch exited with {proc.returncode}"
        detail = {}
        try:
            detail = json.loads(proc.stdout).get("error", {})
        except (ValueError, AttributeError):
            pass
        code = detail.get("code")
        if code == "CHECKSUM_MISSING":
            return NoChecksumError(detail.get("srcUri") or message, ud.url)
        if code == "CHECKSUM_MISMATCH":
            return ChecksumError(message, ud.url)
        return FetchError(message, ud.url)
