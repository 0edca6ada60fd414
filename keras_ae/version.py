from importlib import metadata

try:
    __version__ = metadata.version("keras-ae")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0.dev0"
