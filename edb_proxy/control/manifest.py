"""The deployment manifest (EdgelessDB-compatible JSON).

Format (all keys optional except ``sql``)::

    {
      "sql": ["CREATE USER root REQUIRE SUBJECT '/CN=root'", "GRANT ALL ON *.* TO root"],
      "ca": "-----BEGIN CERTIFICATE-----...",      # PEM: client CA for X.509 users
      "debug": false,                              # allow debug logging (may show data)
      "recovery": "-----BEGIN PUBLIC KEY-----...", # RSA key for recovery (control-plane issue)
      "allow_empty_passwords": false               # development only: accounts without password
    }

Contract: :func:`parse_manifest` either returns a fully validated :class:`Manifest` or raises
:class:`ManifestError`; it never applies anything. Unknown keys are rejected, so a typo cannot
silently weaken the configuration. :attr:`Manifest.sha256` is the hex SHA-256 of the exact bytes
given, which is what EdgelessDB's ``/signature`` reports and what attestation will bind.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from edb_proxy.errors import EdbError

__all__ = ["Manifest", "ManifestError", "parse_manifest"]

_KNOWN_KEYS = frozenset({"sql", "ca", "debug", "recovery", "allow_empty_passwords"})
#: A manifest larger than this is refused before it is parsed.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


class ManifestError(EdbError):
    """The manifest is malformed or inconsistent; nothing was applied."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """A validated manifest.

    Attributes:
        sql: statements run once, in order, in one transaction, at initialization.
        ca_pem: PEM client CA for X.509 users, or None (no client certificates accepted).
        debug: debug logging allowed.
        recovery_pem: recovery public key (PEM) or None.
        allow_empty_passwords: development switch; logged loudly and reported.
        sha256: hex SHA-256 of the raw manifest bytes.
    """

    sql: tuple[str, ...]
    ca_pem: str | None
    debug: bool
    recovery_pem: str | None
    allow_empty_passwords: bool
    sha256: str


def _optional_pem(doc: dict[str, object], key: str, marker: str) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or marker not in value:
        raise ManifestError(f"manifest field {key!r} must be a PEM string containing {marker!r}")
    return value


def _optional_bool(doc: dict[str, object], key: str) -> bool:
    value = doc.get(key, False)
    if not isinstance(value, bool):
        raise ManifestError(f"manifest field {key!r} must be true or false")
    return value


def parse_manifest(raw: bytes) -> Manifest:
    """Validate a manifest given as raw JSON bytes.

    Raises:
        ManifestError: on oversized input, invalid JSON, unknown keys or wrong field types.
    """
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError("manifest is larger than 4 MiB")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(
            f"manifest is not valid UTF-8 JSON: {exc.__class__.__name__}"
        ) from None
    if not isinstance(doc, dict):
        raise ManifestError("manifest must be a JSON object")
    unknown = sorted(set(doc) - _KNOWN_KEYS)
    if unknown:
        raise ManifestError(f"unknown manifest field(s): {', '.join(unknown)}")
    sql = doc.get("sql", [])
    if not isinstance(sql, list) or not all(isinstance(s, str) for s in sql):
        raise ManifestError("manifest field 'sql' must be a list of strings")
    return Manifest(
        sql=tuple(sql),
        ca_pem=_optional_pem(doc, "ca", "BEGIN CERTIFICATE"),
        debug=_optional_bool(doc, "debug"),
        recovery_pem=_optional_pem(doc, "recovery", "PUBLIC KEY"),
        allow_empty_passwords=_optional_bool(doc, "allow_empty_passwords"),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
