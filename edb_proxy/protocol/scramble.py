"""Password scrambles of ``mysql_native_password`` and ``caching_sha2_password``.

References:
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html

Contracts
1. The server stores only ``stage2`` (``SHA1(SHA1(pw))`` or ``SHA256(SHA256(pw))``), never the
   password or ``stage1``.
2. ``verify_*`` return ``None`` on success and raise
   :class:`~edb_proxy.errors.AuthenticationError` on any mismatch, including a response of the
   wrong length; comparisons use :func:`hmac.compare_digest`.
3. An empty password scrambles to an empty response (both plugins), as MySQL clients send; an
   empty response verifies only against the ``stage2`` of the empty password.

Security: the nonce must be the 20 bytes the server sent in the greeting (or auth switch
request), without the trailing NUL MySQL appends on the wire.
"""

from __future__ import annotations

import hashlib
import hmac

from edb_proxy.errors import AuthenticationError
from edb_proxy.protocol.wire import Buffer

__all__ = [
    "caching_sha2_scramble",
    "native_password_scramble",
    "native_stage2",
    "sha2_stage2",
    "verify_caching_sha2",
    "verify_native_password",
]


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def native_stage2(password: bytes) -> bytes:
    """``SHA1(SHA1(password))``: what the server stores for ``mysql_native_password``."""
    return hashlib.sha1(hashlib.sha1(password).digest()).digest()  # noqa: S324 (protocol)


def sha2_stage2(password: bytes) -> bytes:
    """``SHA256(SHA256(password))``: the ``caching_sha2_password`` fast-path secret."""
    return hashlib.sha256(hashlib.sha256(password).digest()).digest()


_EMPTY_NATIVE = native_stage2(b"")
_EMPTY_SHA2 = sha2_stage2(b"")


def native_password_scramble(password: bytes, nonce: bytes) -> bytes:
    """Client response: ``SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw)))``; empty if no password."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password).digest()  # noqa: S324 (protocol)
    stage2 = hashlib.sha1(stage1).digest()  # noqa: S324 (protocol)
    return _xor(stage1, hashlib.sha1(bytes(nonce) + stage2).digest())  # noqa: S324


def caching_sha2_scramble(password: bytes, nonce: bytes) -> bytes:
    """Client response: ``SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce)``."""
    if not password:
        return b""
    stage1 = hashlib.sha256(password).digest()
    stage2 = hashlib.sha256(stage1).digest()
    return _xor(stage1, hashlib.sha256(stage2 + bytes(nonce)).digest())


def verify_native_password(response: Buffer, nonce: bytes, stage2: bytes) -> None:
    """Check a ``mysql_native_password`` response against the stored ``stage2``.

    Raises:
        AuthenticationError: the response does not prove knowledge of the password.
    """
    response = bytes(response)
    if not response:
        if not hmac.compare_digest(stage2, _EMPTY_NATIVE):
            raise AuthenticationError("access denied: bad mysql_native_password response")
        return
    if len(response) != 20 or len(stage2) != 20:
        raise AuthenticationError("access denied: bad mysql_native_password response")
    mask = hashlib.sha1(bytes(nonce) + stage2).digest()  # noqa: S324 (protocol)
    candidate = _xor(response, mask)  # = SHA1(pw) if the client knows pw
    if not hmac.compare_digest(hashlib.sha1(candidate).digest(), stage2):  # noqa: S324
        raise AuthenticationError("access denied: bad mysql_native_password response")


def verify_caching_sha2(response: Buffer, nonce: bytes, stage2: bytes) -> None:
    """Check a ``caching_sha2_password`` fast-path response against ``SHA256(SHA256(pw))``.

    Raises:
        AuthenticationError: the response does not prove knowledge of the password.
    """
    response = bytes(response)
    if not response:
        if not hmac.compare_digest(stage2, _EMPTY_SHA2):
            raise AuthenticationError("access denied: bad caching_sha2_password response")
        return
    if len(response) != 32 or len(stage2) != 32:
        raise AuthenticationError("access denied: bad caching_sha2_password response")
    mask = hashlib.sha256(stage2 + bytes(nonce)).digest()
    candidate = _xor(response, mask)  # = SHA256(pw) if the client knows pw
    if not hmac.compare_digest(hashlib.sha256(candidate).digest(), stage2):
        raise AuthenticationError("access denied: bad caching_sha2_password response")
