"""The installed pmo-sim version, in one place every layer may read it from."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pmo-sim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
