"""edb_proxy.control."""
