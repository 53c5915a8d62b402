"""Manifest validation: everything is checked before anything is applied."""

from __future__ import annotations

import hashlib
import json

import pytest

from edb_proxy.control.manifest import ManifestError, parse_manifest

CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_edgelessdb_manifest_parses() -> None:
    raw = json.dumps({"sql": ["CREATE DATABASE a"], "ca": CA, "debug": True}).encode()
    manifest = parse_manifest(raw)
    assert manifest.sql == ("CREATE DATABASE a",)
    assert manifest.ca_pem == CA
    assert manifest.debug is True
    assert manifest.allow_empty_passwords is False
    assert manifest.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b"\xff\xfe",
        json.dumps({"sql": "CREATE DATABASE a"}).encode(),
        json.dumps({"sql": [1]}).encode(),
        json.dumps({"sql": [], "debug": "yes"}).encode(),
        json.dumps({"sql": [], "ca": "not a pem"}).encode(),
        json.dumps({"sql": [], "recovery": 5}).encode(),
        json.dumps({"sql": [], "allow_empty_pasword": True}).encode(),
    ],
)
def test_bad_manifests_raise(raw: bytes) -> None:
    with pytest.raises(ManifestError):
        parse_manifest(raw)


def test_oversized_manifest_refused_before_parsing() -> None:
    with pytest.raises(ManifestError, match="larger"):
        parse_manifest(b" " * (4 * 1024 * 1024 + 1))
