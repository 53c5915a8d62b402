"""Password hashing and the account store.

Passwords are never stored. An account keeps:

* ``password_hash``: ``pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`` (a versioned format;
  :data:`ITERATIONS` costs about 2-3 ms here), checked by :func:`check_password`;
* ``native_stage2``: ``SHA1(SHA1(password))``, only for ``mysql_native_password`` accounts,
  because that plugin's challenge-response needs exactly this value.

Security: :func:`check_password` raises on a mismatch (never returns a boolean) and compares in
constant time; :func:`dummy_password_hash` lets the server spend the same time on an unknown
user as on a known one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from edb_proxy.errors import AuthenticationError

__all__ = [
    "ITERATIONS",
    "check_password",
    "dummy_password_hash",
    "hash_password",
    "native_stage2",
]

#: PBKDF2-HMAC-SHA256 iterations of new hashes (about 2.5 ms on the reference machine).
ITERATIONS = 5000
_SCHEME = b"pbkdf2-sha256"
_MAX_ITERATIONS = 10_000_000


def hash_password(password: str) -> bytes:
    """A salted, slow hash of ``password`` in our versioned format."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, ITERATIONS)
    return b"$".join(
        (
            _SCHEME,
            str(ITERATIONS).encode("ascii"),
            base64.b64encode(salt),
            base64.b64encode(digest),
        )
    )


def check_password(password_hash: bytes, password: bytes) -> None:
    """Verify ``password`` against ``password_hash``.

    Raises:
        AuthenticationError: on a mismatch or a malformed hash (the message names neither).
    """
    try:
        scheme, iterations, salt64, digest64 = bytes(password_hash).split(b"$")
        rounds = int(iterations)
        salt = base64.b64decode(salt64, validate=True)
        expected = base64.b64decode(digest64, validate=True)
    except (ValueError, binascii.Error):
        raise AuthenticationError("Access denied") from None
    if scheme != _SCHEME or not 0 < rounds <= _MAX_ITERATIONS or not expected:
        raise AuthenticationError("Access denied")
    actual = hashlib.pbkdf2_hmac("sha256", bytes(password), salt, rounds)
    if not hmac.compare_digest(actual, expected):
        raise AuthenticationError("Access denied")


@lru_cache(maxsize=1)
def dummy_password_hash() -> bytes:
    """A valid hash of a random password nobody knows (for unknown users)."""
    return hash_password(secrets.token_urlsafe(24))


def native_stage2(password: str) -> bytes:
    """``SHA1(SHA1(password))``, what ``mysql_native_password`` verifies against."""
    return hashlib.sha1(hashlib.sha1(password.encode("utf-8")).digest()).digest()  # noqa: S324
