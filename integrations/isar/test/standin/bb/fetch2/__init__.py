"""Stand-in for the bb.fetch2 names the container fetcher uses (see ../__init__.py)."""

import logging

logger = logging.getLogger("BitBake.Fetcher")
if not hasattr(logger, "debug2"):
    logger.debug2 = logger.debug  # bitbake's logger has extra debug levels


class FetchError(Exception):
    def __init__(self, message, url=None):
        super().__init__(message)
        self.msg = message
        self.url = url


class NoChecksumError(FetchError):
    pass


class ChecksumError(FetchError):
    def __init__(self, message, url=None, checksum=None):
        super().__init__(message, url)
        self.checksum = checksum


class NetworkAccess(FetchError):
    def __init__(self, url, cmd):
        super().__init__(f"Network access disabled through BB_NO_NETWORK but access requested with command {cmd} (for url {url})", url)
        self.cmd = cmd


def check_network_access(d, info, url):
    """bitbake's check: BB_NO_NETWORK forbids (BB_ALLOWED_NETWORKS is not modelled here); records each call."""
    network_checks.append((info, url))
    if (d.getVar("BB_NO_NETWORK") or "0") not in ("0", ""):
        raise NetworkAccess(url, info)


network_checks = []


def trusted_network(d, url):
    """BB_ALLOWED_NETWORKS is not modelled here: every host is allowed."""
    return True

# A few of bitbake's FETCH_EXPORT_VARS; get_fetcher_environment reads them as bitbake does: datastore first,
# then the environment bitbake started in (BB_ORIGENV, itself a datastore).
FETCH_EXPORT_VARS = ["HOME", "PATH", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE"]


def get_fetcher_environment(d):
    env = {}
    origenv = d.getVar("BB_ORIGENV")
    for name in FETCH_EXPORT_VARS:
        value = d.getVar(name) or (origenv.getVar(name) if origenv else None)
        if value:
            env[name] = value
    return env


class MissingChecksumEvent:
    def __init__(self, url, **checksums):
        self.url = url
        self.checksums = checksums


class FetchMethod:
    pass


methods = []


class FetchData:
    """The parts of bitbake's FetchData the fetcher reads, split from the URL as bitbake's decodeurl does:
    host = first component after '://', path = the rest ('/' when empty), parameters after ';'."""

    def __init__(self, url):
        self.url = url
        scheme, rest = url.split("://", 1)
        location, *params = rest.split(";")
        self.type = scheme
        host, _, path = location.partition("/")
        self.host = host
        self.path = "/" + path
        self.parm = dict(p.split("=", 1) for p in params if p)


class DataStore:
    """Stand-in for the datastore: getVar() over a dict."""

    def __init__(self, values):
        self.values = dict(values)

    def getVar(self, name):
        return self.values.get(name)
