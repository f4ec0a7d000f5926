"""Unit tests of lib/container_fetcher.py against the REAL isar-fetch CLI and a real registry.

bitbake itself is replaced by the stand-in in test/standin (see its docstring). The registry is started by the
vitest driver (isar-integration.test.ts), which passes its address and the seeded image's digest in the
environment.
"""

import importlib.util
import logging
import os
import re
import subprocess
import sys
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "standin"))

import bb  # noqa: E402  (the stand-in)
from bb.fetch2 import (  # noqa: E402
    ChecksumError, DataStore, FetchData, FetchError, MissingChecksumEvent, NetworkAccess, NoChecksumError)

spec = importlib.util.spec_from_file_location(
    "container_fetcher", os.path.join(HERE, "..", "lib", "container_fetcher.py"))
container_fetcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(container_fetcher)

REGISTRY = os.environ["ISAR_TEST_REGISTRY"]
INDEX_DIGEST = os.environ["ISAR_TEST_INDEX_DIGEST"]
ISAR_FETCH = os.environ["ISAR_FETCH"]
IMAGE = f"{REGISTRY}/demo/busybox"
LOCALNAME = IMAGE.replace("/", ".")


class ContainerFetcherTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dl_dir = os.path.join(self.tmp.name, "downloads")
        self.workdir = os.path.join(self.tmp.name, "work")
        os.makedirs(self.workdir)
        bb.event.fired.clear()
        self.fetcher = container_fetcher.Container()

    def tearDown(self):
        self.tmp.cleanup()

    def datastore(self, **extra):
        values = {"DL_DIR": self.dl_dir, "PACKAGE_ARCH": "amd64", "ISAR_FETCH": ISAR_FETCH,
                  "PATH": os.environ["PATH"], "HOME": self.tmp.name, "ZSTD_DEFAULTS": "--threads=2 -3"}
        values.update(extra)
        return DataStore(values)

    def urldata(self, url, d):
        ud = FetchData(url)
        self.assertTrue(self.fetcher.supports(ud, d))
        self.fetcher.urldata_init(ud, d)
        ud.localpath = os.path.join(d.getVar("DL_DIR"), ud.localfile)
        return ud

    def test_does_not_claim_other_schemes(self):
        self.assertFalse(self.fetcher.supports(FetchData("https://example.com/x.tar"), self.datastore()))

    def test_cache_names_match_upstream(self):
        d = self.datastore(PACKAGE_ARCH="armhf")
        ud = self.urldata("docker://quay.io/libpod/alpine;tag=3.10", d)
        self.assertEqual(ud.localfile, "container-images/arm/v7/quay.io.libpod.alpine_3.10.zst")
        digest = "sha256:" + "ab" * 32
        ud = self.urldata(f"docker://debian;digest={digest}", self.datastore(PACKAGE_ARCH="arm64"))
        self.assertEqual(ud.localfile, f"container-images/arm64/debian_sha256-{'ab' * 32}.zst")
        self.assertEqual((ud.container_name, ud.tag), ("debian", "latest"))

    def test_download_without_digest_warns_and_fires_event(self):
        d = self.datastore()
        url = f"docker://{IMAGE};tag=1.0"
        ud = self.urldata(url, d)
        with self.assertLogs("BitBake.Fetcher", level=logging.WARNING) as logs:
            self.fetcher.download(ud, d)
        self.assertTrue(os.path.isfile(ud.localpath))
        expected_line = f'SRC_URI = "{url};digest={INDEX_DIGEST}"'
        self.assertIn(expected_line, "\n".join(logs.output))
        self.assertIn(f"Missing checksum for '{url}'", "\n".join(logs.output))
        events = [e for e in bb.event.fired if isinstance(e, MissingChecksumEvent)]
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0].checksums, {"sha256sum": INDEX_DIGEST.split(":", 1)[1]})

    def test_strict_policy_refuses_a_missing_digest(self):
        d = self.datastore(BB_STRICT_CHECKSUM="1")
        url = f"docker://{IMAGE};tag=1.0"
        ud = self.urldata(url, d)
        with self.assertRaises(NoChecksumError) as raised:
            self.fetcher.download(ud, d)
        self.assertIn(f'SRC_URI = "{url};digest={INDEX_DIGEST}"', str(raised.exception))
        self.assertFalse(os.path.exists(ud.localpath))

    def test_ignore_policy_is_silent_but_still_reports_the_digest(self):
        d = self.datastore(BB_STRICT_CHECKSUM="ignore")
        ud = self.urldata(f"docker://{IMAGE};tag=1.0", d)
        with self.assertNoLogs("BitBake.Fetcher", level=logging.WARNING):
            self.fetcher.download(ud, d)
        self.assertEqual(len(bb.event.fired), 1)

    def test_an_archive_whose_sbom_cannot_be_written_is_a_warning_not_a_failure(self):
        d = self.datastore(BB_STRICT_CHECKSUM="ignore")
        url = f"docker://{IMAGE};tag=1.0"
        ud = self.urldata(url, d)
        os.makedirs(os.path.join(ud.localpath + ".cdx.json", "in-the-way"))
        with self.assertLogs("BitBake.Fetcher", level=logging.WARNING) as logs:
            self.fetcher.download(ud, d)
        self.assertTrue(os.path.isfile(ud.localpath))
        self.assertIn(f"{url}: no SBOM {ud.localpath}.cdx.json: ", "\n".join(logs.output))

    def test_pinned_digest_downloads_without_warning_and_unpacks_as_a_hard_link(self):
        d = self.datastore(BB_STRICT_CHECKSUM="1")
        ud = self.urldata(f"docker://{IMAGE};digest={INDEX_DIGEST};tag=1.0", d)
        self.assertTrue(ud.localfile.endswith(f"{LOCALNAME}_{INDEX_DIGEST.replace(':', '-')}.zst"))
        self.fetcher.download(ud, d)
        self.assertEqual(bb.event.fired, [])
        self.fetcher.unpack(ud, self.workdir, d)
        unpacked = os.path.join(self.workdir, f"{LOCALNAME}:1.0.zst")
        self.assertEqual(os.stat(unpacked).st_ino, os.stat(ud.localpath).st_ino)

    def test_tag_moved_away_from_the_pinned_digest_is_a_checksum_error(self):
        d = self.datastore()
        wrong = "sha256:" + "0" * 64
        ud = self.urldata(f"docker://{IMAGE};digest={wrong};tag=1.0", d)
        with self.assertRaises(ChecksumError) as raised:
            self.fetcher.download(ud, d)
        message = str(raised.exception)
        self.assertIn(wrong, message)
        self.assertIn(INDEX_DIGEST, message)

    def test_bad_input_is_a_fetch_error_with_the_reason(self):
        with self.assertRaises(FetchError) as raised:
            self.urldata(f"docker://{IMAGE};tag=1.0", self.datastore(PACKAGE_ARCH="sparc"))
        self.assertIn("sparc", str(raised.exception))
        with self.assertRaises(FetchError) as raised:
            self.urldata(f"docker://{IMAGE};tag=../../x", self.datastore())
        self.assertIn("../../x", str(raised.exception))
        # The name's grammar is isar-fetch's to check (one implementation): it refuses before any request.
        d = self.datastore()
        ud = self.urldata("docker://quay.io/Libpod/alpine;tag=3.10", d)
        with self.assertRaises(FetchError) as raised:
            self.fetcher.download(ud, d)
        self.assertIn("Libpod", str(raised.exception))

    def test_urldata_init_starts_no_process(self):
        with mock.patch.object(subprocess, "run", side_effect=AssertionError("a process was started")), \
                mock.patch.object(subprocess, "Popen", side_effect=AssertionError("a process was started")):
            ud = self.urldata(f"docker://{IMAGE};tag=1.0", self.datastore(PACKAGE_ARCH="armel"))
        self.assertEqual(ud.localfile, f"container-images/arm/v6/{LOCALNAME}_1.0.zst")

    def test_network_is_asked_for_and_refused_under_bb_no_network(self):
        d = self.datastore(BB_NO_NETWORK="1")
        ud = self.urldata(f"docker://{IMAGE};digest={INDEX_DIGEST};tag=1.0", d)
        with self.assertRaises(NetworkAccess) as raised:
            self.fetcher.download(ud, d)
        self.assertIn(ud.url, str(raised.exception))
        self.assertFalse(os.path.exists(ud.localpath))
        with self.assertRaises(NetworkAccess):
            self.fetcher.checkstatus(None, ud, d)

    def test_a_published_pinned_archive_needs_no_network_and_clean_removes_it(self):
        url = f"docker://{IMAGE};digest={INDEX_DIGEST};tag=1.0"
        d = self.datastore()
        ud = self.urldata(url, d)
        self.fetcher.download(ud, d)
        record = ud.localpath + container_fetcher.RECORD_SUFFIX
        self.assertTrue(os.path.isfile(record), "isar-fetch keeps a record beside the archive")
        offline = self.datastore(BB_NO_NETWORK="1")
        bb.fetch2.network_checks.clear()
        self.fetcher.download(self.urldata(url, offline), offline)
        self.assertEqual(bb.fetch2.network_checks, [])
        sbom = ud.localpath + container_fetcher.SBOM_SUFFIX
        self.assertTrue(os.path.isfile(sbom), "isar-fetch writes the SBOM beside a docker-archive")
        self.fetcher.clean(ud, d)
        self.assertFalse(os.path.exists(ud.localpath))
        self.assertFalse(os.path.exists(record))
        self.assertFalse(os.path.exists(sbom))
        self.assertTrue(os.path.isdir(os.path.join(self.dl_dir, "container-images", "blobs")))

    def test_offline_an_archive_without_its_record_is_a_network_access_error_and_no_request(self):
        url = f"docker://{IMAGE};digest={INDEX_DIGEST};tag=1.0"
        d = self.datastore()
        ud = self.urldata(url, d)
        self.fetcher.download(ud, d)
        os.unlink(ud.localpath + container_fetcher.RECORD_SUFFIX)  # not provably ours any more
        offline = self.datastore(BB_NO_NETWORK="1")
        with self.assertRaises(NetworkAccess):
            self.fetcher.download(self.urldata(url, offline), offline)

    def test_offline_a_tag_url_is_answered_by_the_archive_published_for_it(self):
        url = f"docker://{IMAGE};tag=1.0"
        d = self.datastore(BB_STRICT_CHECKSUM="ignore")
        ud = self.urldata(url, d)
        self.fetcher.download(ud, d)
        offline = self.datastore(BB_NO_NETWORK="1", BB_STRICT_CHECKSUM="ignore")
        bb.fetch2.network_checks.clear()
        self.fetcher.download(self.urldata(url, offline), offline)
        self.assertEqual(bb.fetch2.network_checks, [])

    def test_credential_parameters_never_reach_a_message(self):
        self.assertEqual(container_fetcher.redact("docker://r/x;user=u;pswd=s3cret;tag=1"),
                         "docker://r/x;user=u;pswd=***;tag=1")

    def test_credentials_and_proxies_come_from_the_environment_bitbake_started_in(self):
        origenv = DataStore({"REGISTRY_AUTH_FILE": "/auth.json", "https_proxy": "http://proxy:3128",
                             "UNRELATED": "x"})
        d = self.datastore(BB_ORIGENV=origenv, DOCKER_CONFIG="/docker")
        env = self.fetcher._environment(d)
        self.assertEqual(env["REGISTRY_AUTH_FILE"], "/auth.json")
        self.assertEqual(env["https_proxy"], "http://proxy:3128")
        self.assertEqual(env["DOCKER_CONFIG"], "/docker")
        self.assertEqual(env["ZSTD_DEFAULTS"], "--threads=2 -3")
        self.assertNotIn("UNRELATED", env)

    def test_checksums_are_not_recomputed_by_bitbake(self):
        ud = self.urldata(f"docker://{IMAGE};tag=1.0", self.datastore())
        self.assertFalse(self.fetcher.supports_checksum(ud))
        self.assertFalse(self.fetcher.recommends_checksum(ud))

    def test_unknown_image_is_a_fetch_error(self):
        d = self.datastore()
        ud = self.urldata(f"docker://{REGISTRY}/demo/missing;tag=1.0", d)
        with self.assertRaises(FetchError) as raised:
            self.fetcher.download(ud, d)
        self.assertNotIsInstance(raised.exception, (ChecksumError, NoChecksumError))
        self.assertFalse(os.path.exists(ud.localpath))


# URLs whose cache path both implementations must agree on, for every Debian architecture.
DIGEST_256 = "sha256:" + "0123456789abcdef" * 4
DIGEST_512 = "sha512:" + "fedcba9876543210" * 8
LOCALPATH_URLS = [
    "docker://debian",
    "docker://debian;tag=bookworm-slim",
    f"docker://debian;digest={DIGEST_256}",
    f"docker://quay.io/libpod/alpine;digest={DIGEST_256};tag=3.10",
    f"docker://127.0.0.1:5000/a/b/c;tag=v1.2_3-rc.4;digest={DIGEST_512}",
    "docker://ghcr.io/siemens/kas/kas-isar;tag=4.7",
    "docker://localhost/x__y.z-w;;tag=_1",
    "docker://registry.example.com:443/library/busybox;tag=" + "t" * 128,
]
# URLs both must refuse, because of the part that would become the file name.
REFUSED_URLS = [
    "docker://debian;tag=a/b",
    "docker://debian;tag=-x",
    "docker://debian;tag=" + "t" * 129,
    "docker://debian;digest=sha256:abc",
    f"docker://debian;digest={DIGEST_256.upper()}",
    "docker://debian;digest=md5:0123456789abcdef0123456789abcdef",
]


class LocalPathAgreesWithIsarFetchTest(unittest.TestCase):
    """urldata_init computes the cache path in Python (no Node start per URL); `isar-fetch localpath` is the
    reference it must match."""

    def python_localfile(self, url, arch):
        ud = FetchData(url)
        container_fetcher.Container().urldata_init(ud, DataStore({"PACKAGE_ARCH": arch}))
        return ud.localfile

    def isar_fetch_localpath(self, url, arch):
        """(path, None) or (None, what isar-fetch said when it refused)."""
        proc = subprocess.run(ISAR_FETCH.split() + ["localpath", url, "--arch", arch],
                              capture_output=True, text=True, check=False)
        return (proc.stdout.strip(), None) if proc.returncode == 0 else (None, proc.stderr.strip())

    def test_every_debian_arch_and_url(self):
        # The list of architectures comes from isar-fetch (its error names them), so a new one there fails here.
        proc = subprocess.run(ISAR_FETCH.split() + ["localpath", "docker://debian", "--arch", "sparc"],
                              capture_output=True, text=True, check=False)
        arches = re.search(r"supported: ([^)]*)\)", proc.stderr).group(1).split(", ")
        self.assertIn("armel", arches)
        self.assertEqual(sorted(arches), sorted(container_fetcher.PLATFORMS))
        # Every arch with one URL, every URL with two arches (one with a variant): ~30 Node starts, in parallel.
        cases = [(LOCALPATH_URLS[3], arch) for arch in arches]
        cases += [(url, arch) for url in LOCALPATH_URLS for arch in ("armhf", "i386")]
        with ThreadPoolExecutor(4) as pool:
            expected = list(pool.map(lambda c: self.isar_fetch_localpath(*c), cases))
        for (url, arch), (want, refusal) in zip(cases, expected):
            with self.subTest(url=url, arch=arch):
                self.assertIsNotNone(want, f"isar-fetch refused {url}: {refusal}")
                self.assertEqual(self.python_localfile(url, arch), want)

    def test_the_same_urls_are_refused(self):
        cases = [(url, "amd64") for url in REFUSED_URLS] + [(LOCALPATH_URLS[0], "sparc")]
        with ThreadPoolExecutor(4) as pool:
            expected = list(pool.map(lambda c: self.isar_fetch_localpath(*c), cases))
        for (url, arch), (want, _) in zip(cases, expected):
            with self.subTest(url=url, arch=arch):
                self.assertIsNone(want, f"isar-fetch accepted {url}")
                with self.assertRaises(FetchError):
                    self.python_localfile(url, arch)


if __name__ == "__main__":
    unittest.main()
