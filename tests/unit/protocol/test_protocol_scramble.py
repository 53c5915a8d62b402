"""Scramble known-answer tests (vectors in ``vectors/scramble.json``, provenance inside)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from edb_proxy.errors import ER, AuthenticationError
from edb_proxy.protocol import (
    caching_sha2_scramble,
    native_password_scramble,
    native_stage2,
    sha2_stage2,
    verify_caching_sha2,
    verify_native_password,
)

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "scramble.json").read_text()
)["vectors"]
NONCE = bytes(range(1, 21))


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(i ^ j for i, j in zip(a, b, strict=True))


@pytest.mark.parametrize("vec", VECTORS, ids=lambda v: v["password_hex"][:12])
def test_known_answers(vec: dict[str, Any]) -> None:
    pw = bytes.fromhex(vec["password_hex"])
    nonce = bytes.fromhex(vec["nonce_hex"])
    assert native_stage2(pw).hex() == vec["native_stage2_hex"]
    assert sha2_stage2(pw).hex() == vec["sha2_stage2_hex"]
    assert native_password_scramble(pw, nonce).hex() == vec["native_response_hex"]
    assert caching_sha2_scramble(pw, nonce).hex() == vec["caching_sha2_response_hex"]
    verify_native_password(bytes.fromhex(vec["native_response_hex"]), nonce, native_stage2(pw))
    verify_caching_sha2(bytes.fromhex(vec["caching_sha2_response_hex"]), nonce, sha2_stage2(pw))


def test_secret_computed_independently() -> None:
    pw = b"secret"
    s1 = hashlib.sha1(pw).digest()
    expected_native = xor(s1, hashlib.sha1(NONCE + hashlib.sha1(s1).digest()).digest())
    assert native_password_scramble(pw, NONCE) == expected_native
    t1 = hashlib.sha256(pw).digest()
    expected_sha2 = xor(t1, hashlib.sha256(hashlib.sha256(t1).digest() + NONCE).digest())
    assert caching_sha2_scramble(pw, NONCE) == expected_sha2


@pytest.mark.parametrize(
    "response",
    [
        native_password_scramble(b"wrong", NONCE),
        native_password_scramble(b"secret", NONCE)[:-1],  # truncated
        native_password_scramble(b"secret", NONCE) + b"\x00",
        native_password_scramble(b"secret", bytes(20)),  # other nonce
        b"",
        bytearray(20),
    ],
)
def test_native_verify_raises(response: bytes) -> None:
    with pytest.raises(AuthenticationError) as info:
        verify_native_password(response, NONCE, native_stage2(b"secret"))
    assert info.value.kind is ER.ER_ACCESS_DENIED_ERROR


@pytest.mark.parametrize(
    "response",
    [
        caching_sha2_scramble(b"wrong", NONCE),
        caching_sha2_scramble(b"secret", NONCE)[:20],  # truncated
        caching_sha2_scramble(b"secret", bytes(20)),
        b"",
        memoryview(bytes(32)),
    ],
)
def test_sha2_verify_raises(response: bytes) -> None:
    with pytest.raises(AuthenticationError):
        verify_caching_sha2(response, NONCE, sha2_stage2(b"secret"))


def test_empty_password() -> None:
    assert native_password_scramble(b"", NONCE) == b""
    assert caching_sha2_scramble(b"", NONCE) == b""
    verify_native_password(b"", NONCE, native_stage2(b""))
    verify_caching_sha2(b"", NONCE, sha2_stage2(b""))
    with pytest.raises(AuthenticationError):
        verify_native_password(native_password_scramble(b"x", NONCE), NONCE, native_stage2(b""))
    with pytest.raises(AuthenticationError):
        verify_caching_sha2(caching_sha2_scramble(b"x", NONCE), NONCE, sha2_stage2(b""))


def test_verify_returns_none_not_bool() -> None:
    result = verify_native_password(  # type: ignore[func-returns-value]
        native_password_scramble(b"secret", NONCE), NONCE, native_stage2(b"secret")
    )
    assert result is None
