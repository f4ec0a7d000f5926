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
