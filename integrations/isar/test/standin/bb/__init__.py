"""A minimal STAND-IN for the few names of bitbake that lib/container_fetcher.py uses.

This is not bitbake. It exists so the fetcher can be imported and driven by unit tests on a machine without a
bitbake checkout; every behaviour it has is written here, in a few lines, and recorded for the tests to inspect.
"""

from . import event  # noqa: F401
from . import fetch2  # noqa: F401
from . import utils  # noqa: F401
