"""Unit tests of lib/container_fetcher.py against the REAL isar-fetch CLI and a real registry.

bitbake itself is replaced by the stand-in in test/standin (see its docstring). The registry is started by the
vitest driver (isar-integration.test.ts), which passes its address and the seeded image's digest in the
environment.
"""

import importlib.util
import logging
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "standin"))

import bb  # noqa: E402  (the stand-in)
from bb.fetch2 import ChecksumError, DataStore, FetchData, FetchError, MissingChecksumEvent, NoChecksumError  # noqa: E402

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
            self.urldata("docker://quay.io/Libpod/alpine;tag=3.10", self.datastore())
        self.assertIn("Libpod", str(raised.exception))

    def test_unknown_image_is_a_fetch_error(self):
        d = self.datastore()
        ud = self.urldata(f"docker://{REGISTRY}/demo/missing;tag=1.0", d)
        with self.assertRaises(FetchError) as raised:
            self.fetcher.download(ud, d)
        self.assertNotIsInstance(raised.exception, (ChecksumError, NoChecksumError))
        self.assertFalse(os.path.exists(ud.localpath))


if __name__ == "__main__":
    unittest.main()
