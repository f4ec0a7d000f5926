"""Stand-in for the bb.utils names the fetcher uses: remove and to_boolean, as bitbake's behave."""

import os


def remove(path, recurse=False):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def to_boolean(value, default=None):
    if not value:
        return default
    normalized = value.lower()
    if normalized in ("y", "yes", "1", "true"):
        return True
    if normalized in ("n", "no", "0", "false"):
        return False
    raise ValueError("Invalid value for to_boolean: %s" % value)
