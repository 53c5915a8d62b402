"""Authentication of a client after its HandshakeResponse41.

Theory of operation
-------------------
Supported plugins: ``caching_sha2_password`` (default) and ``mysql_native_password``; X.509
requirements (``REQUIRE SSL | X509 | ISSUER | SUBJECT``) are checked against the verified TLS
client certificate after the password step.

caching_sha2_password keeps MySQL's wire behaviour: a fast path (scramble checked against
``SHA256(SHA256(password))`` kept *in memory* after a successful full authentication) and a full
path (the client sends the password itself, only over TLS, checked against the salted slow hash
stored in the database). Unlike MySQL, every fast-path failure falls through to the full path, so
an unknown user, a wrong password and an uncached user all produce the same packet sequence
and the same slow-hash work; only success differs. Unknown users are checked against a dummy
hash made at start-up.

Invariants
1. Every failure raises :class:`~edb_proxy.errors.AuthenticationError` with one message format
   ("Access denied for user 'u'@'h' (using password: YES|NO)"); nothing returns False.
2. No password, hash or scramble is logged or put in an error message.
3. Anonymous users and empty passwords never authenticate, except accounts created while the
   manifest's ``allow_empty_passwords`` switch is on (and that switch is still on), and
   certificate accounts (REQUIRE X509/ISSUER/SUBJECT without a password), which need a verified
   client certificate instead.
4. The full path (plaintext password) is only ever requested over TLS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from edb_proxy.errors import AuthenticationError
from edb_proxy.protocol import HandshakeResponse, ServerConnection
from edb_proxy.protocol.scramble import (
    native_stage2,
    sha2_stage2,
    verify_caching_sha2,
    verify_native_password,
)
from edb_proxy.sql import Account, Database, check_password, dummy_password_hash

__all__ = ["AuthContext", "Authenticator", "x509_name"]

CACHING_SHA2 = "caching_sha2_password"
NATIVE = "mysql_native_password"
SUPPORTED_PLUGINS = frozenset({CACHING_SHA2, NATIVE})

_FAST_AUTH_SUCCESS = b"\x03"
_PERFORM_FULL_AUTH = b"\x04"

_SHORT_NAMES = {
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "commonName": "CN",
    "emailAddress": "emailAddress",
    "serialNumber": "serialNumber",
    "domainComponent": "DC",
}


def x509_name(rdns: object) -> str:
    """Format a ``getpeercert()`` subject/issuer the way MySQL does: ``/C=US/O=x/CN=y``."""
    parts: list[str] = []
    if isinstance(rdns, tuple):
        for rdn in rdns:
            for attr in rdn:
                key, value = attr
                parts.append(f"/{_SHORT_NAMES.get(key, key)}={value}")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class AuthContext:
    """What the transport knows about the client, for the checks that need it."""

    tls: bool
    peer_host: str
    peer_cert: dict[str, object] | None


#: Sends a framed auth packet and returns the client's next auth payload.
Roundtrip = Callable[[bytes], Awaitable[bytes]]
#: Sends a framed auth packet that has no reply.
Send = Callable[[bytes], Awaitable[None]]


class Authenticator:
    """Checks logins against the accounts of one :class:`~edb_proxy.sql.Database`."""

    def __init__(self, database: Database, *, allow_empty_passwords: bool) -> None:
        self._db = database
        self._allow_empty = allow_empty_passwords
        self._dummy_hash = dummy_password_hash()
        self._dummy_native = native_stage2(b"\x00" * 16)
        # user -> (password_hash it was derived from, SHA256(SHA256(password)))
        self._fast: dict[str, tuple[bytes, bytes]] = {}

    def forget(self, user: str) -> None:
        """Drop a cached fast-path entry (after a password change)."""
        self._fast.pop(user, None)

    async def authenticate(
        self,
        conn: ServerConnection,
        response: HandshakeResponse,
        ctx: AuthContext,
        roundtrip: Roundtrip,
        send: Send,
    ) -> Account:
        """Run the authentication exchange.

        Returns:
            The authenticated account.

        Raises:
            AuthenticationError: the login is refused (always 1045 / 28000).
        """
        user = response.user
        account = self._db.lookup_account(user) if user else None
        if account is not None and account.plugin in SUPPORTED_PLUGINS:
            plugin = account.plugin
        elif response.auth_plugin in SUPPORTED_PLUGINS:
            plugin = response.auth_plugin or CACHING_SHA2
        else:
            plugin = CACHING_SHA2
        data = response.auth_response
        client_plugin = response.auth_plugin or NATIVE
        if client_plugin != plugin:
            data = await roundtrip(conn.auth_switch_request(plugin, conn.scramble + b"\x00"))
        nonce = conn.scramble
        empty = data in (b"", b"\x00")

        def denied(using_password: bool) -> AuthenticationError:
            yes = "YES" if using_password else "NO"
            return AuthenticationError(
                f"Access denied for user '{user}'@'{ctx.peer_host}' (using password: {yes})"
            )

        if empty:
            self._burn()
            if account is None or account.has_password or not self._passwordless_ok(account):
                raise denied(False)
        elif plugin == NATIVE:
            ok_account = account is not None and account.has_password and account.native_stage2
            stage2 = account.native_stage2 if ok_account and account else self._dummy_native
            try:
                verify_native_password(data, nonce, stage2)
            except AuthenticationError:
                raise denied(True) from None
            if not ok_account:
                raise denied(True)
        else:
            await self._caching_sha2(conn, account, data, ctx, roundtrip, send, denied)
        assert account is not None
        self._check_x509(account, ctx, denied(not empty))
        return account

    def _passwordless_ok(self, account: Account) -> bool:
        cert_account = account.require_x509 or bool(account.x509_subject or account.x509_issuer)
        return cert_account or self._allow_empty

    def _burn(self) -> None:
        """Do the work of a slow-hash check so failures cost the same time."""
        try:
            check_password(self._dummy_hash, b"\x00")
        except AuthenticationError:
            pass

    async def _caching_sha2(
        self,
        conn: ServerConnection,
        account: Account | None,
        data: bytes,
        ctx: AuthContext,
        roundtrip: Roundtrip,
        send: Send,
        denied: Callable[[bool], AuthenticationError],
    ) -> None:
        if account is not None and account.has_password:
            cached = self._fast.get(account.user)
            if cached is not None and cached[0] == account.password_hash:
                try:
                    verify_caching_sha2(data, conn.scramble, cached[1])
                except AuthenticationError:
                    pass  # fall through to the full path, like an unknown user
                else:
                    await send(conn.auth_more_data(_FAST_AUTH_SUCCESS))
                    return
        if not ctx.tls:
            self._burn()
            raise denied(True)
        reply = await roundtrip(conn.auth_more_data(_PERFORM_FULL_AUTH))
        password = reply[:-1] if reply.endswith(b"\x00") else reply
        valid = account is not None and account.has_password and account.password_hash
        try:
            check_password(
                account.password_hash if valid and account else self._dummy_hash, password
            )
        except AuthenticationError:
            raise denied(True) from None
        if not valid or account is None:
            raise denied(True)
        self._fast[account.user] = (account.password_hash, sha2_stage2(password))

    @staticmethod
    def _check_x509(account: Account, ctx: AuthContext, error: AuthenticationError) -> None:
        needs_cert = account.require_x509 or account.x509_issuer or account.x509_subject
        if (account.require_ssl or needs_cert) and not ctx.tls:
            raise error
        if not needs_cert:
            return
        cert = ctx.peer_cert
        if cert is None:
            raise error
        if account.x509_issuer and x509_name(cert.get("issuer")) != account.x509_issuer:
            raise error
        if account.x509_subject and x509_name(cert.get("subject")) != account.x509_subject:
            raise error
