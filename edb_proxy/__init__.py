"""edb-proxy: a confidential, MySQL-compatible database server for TEE enclaves."""

__all__ = ["__version__"]

__version__ = "0.1.0"
