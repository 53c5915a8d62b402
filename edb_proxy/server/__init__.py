"""edb_proxy.server."""
