"""A ready-made demo deployment: client PKI, a root X.509 user and a manifest.

``edb-proxy demo`` (what ``make serve`` runs) calls :func:`prepare_demo` and then serves. The
demo CA stands for the owner's client CA; its key stays in ``<data_dir>/demo`` so more client
certificates can be issued for experiments. Nothing here is meant for production.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from edb_proxy.enclave.certs import issue_certificate, make_ca

__all__ = ["DemoFiles", "prepare_demo"]

DEMO_CA_NAME = "edb-proxy demo client CA"


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """Paths written by :func:`prepare_demo`."""

    directory: Path
    manifest: Path
    client_ca: Path
    root_cert: Path
    root_key: Path


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def prepare_demo(data_dir: Path) -> DemoFiles:
    """Create (once) the demo PKI and manifest under ``data_dir/demo``; idempotent."""
    directory = data_dir / "demo"
    files = DemoFiles(
        directory=directory,
        manifest=directory / "manifest.json",
        client_ca=directory / "client-ca.pem",
        root_cert=directory / "root-cert.pem",
        root_key=directory / "root-key.pem",
    )
    if files.manifest.exists() and files.root_cert.exists() and files.root_key.exists():
        return files
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca = make_ca(DEMO_CA_NAME)
    root = issue_certificate(ca, "root", server=False)
    manifest = {
        "sql": [
            f"CREATE USER root REQUIRE ISSUER '/O=edb-proxy/CN={DEMO_CA_NAME}' SUBJECT '/CN=root'",
            "GRANT ALL ON *.* TO root WITH GRANT OPTION",
        ],
        "ca": ca.cert_pem.decode("ascii"),
        "debug": False,
    }
    _write(directory / "client-ca-key.pem", ca.key_pem, 0o600)
    _write(files.client_ca, ca.cert_pem, 0o644)
    _write(files.root_key, root.key_pem, 0o600)
    _write(files.root_cert, root.cert_pem, 0o644)
    _write(files.manifest, json.dumps(manifest, indent=2).encode() + b"\n", 0o644)
    return files
