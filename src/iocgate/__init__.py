"""iocgate: a Naftiko capability runtime for VirusTotal file-behaviour investigations."""

__version__ = "0.1.0"
__all__ = ["__version__"]
