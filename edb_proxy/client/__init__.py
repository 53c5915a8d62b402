"""edb_proxy.client."""
