"""The server's TLS identity: an instance CA and a server certificate in the data dir.

On first start the server creates ``<data_dir>/tls/ca.pem`` (public; what clients pin or
verify) and a server certificate signed by it. Until the enclave issue lands, the private keys
are stored beside them with mode 0600; after it, they are sealed to the enclave and the
certificate carries the attestation evidence (RA-TLS).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from edb_proxy.enclave.certs import KeyPair, issue_certificate, make_ca

__all__ = ["TLSIdentity", "load_or_create_identity"]


@dataclass(frozen=True, slots=True)
class TLSIdentity:
    """Paths of the PEM files the TLS context loads."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def load_or_create_identity(data_dir: Path, hosts: tuple[str, ...]) -> TLSIdentity:
    """Return the identity under ``data_dir/tls``, creating it on first use.

    Creation is crash-safe: files are written under temporary names and renamed last, so a
    crash leaves either no identity or a complete one.
    """
    tls_dir = data_dir / "tls"
    identity = TLSIdentity(
        tls_dir / "ca.pem", tls_dir / "server-cert.pem", tls_dir / "server-key.pem"
    )
    if identity.cert_file.exists() and identity.key_file.exists() and identity.ca_file.exists():
        return identity
    tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca = make_ca("edb-proxy instance CA")
    names = tuple(dict.fromkeys(("localhost", "127.0.0.1", *hosts)))
    server: KeyPair = issue_certificate(ca, "edb-proxy", server=True, hosts=names)
    staged = [
        (tls_dir / "ca-key.pem.tmp", ca.key_pem, tls_dir / "ca-key.pem"),
        (tls_dir / "server-key.pem.tmp", server.key_pem, identity.key_file),
        (tls_dir / "server-cert.pem.tmp", server.cert_pem + ca.cert_pem, identity.cert_file),
        (tls_dir / "ca.pem.tmp", ca.cert_pem, identity.ca_file),
    ]
    for tmp, data, _ in staged:
        _write_private(tmp, data)
    for tmp, _, final in staged:
        os.replace(tmp, final)
    dir_fd = os.open(tls_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    os.chmod(identity.ca_file, 0o644)
    os.chmod(identity.cert_file, 0o644)
    return identity
