"""edb_proxy.enclave."""
