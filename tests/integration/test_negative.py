"""Hostile and broken clients (testing.md rows A9, U1, U4, P1, P3, P5, R1) over real sockets.

After every bad input the server must still serve a good client.
"""

from __future__ import annotations

import ssl
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from tests.integration.clients import ClientError, connect
from tests.integration.harness import (
    PASSWORD_USER,
    PKI,
    X509_USER,
    ServerInfo,
    manifest_for,
    start_server,
    stop_server,
)
from tests.integration.raw import (
    BASE_CAPS,
    CLIENT_SSL,
    RawConn,
    handshake_response,
    parse_err,
    ssl_request,
)

pytestmark = pytest.mark.integration


def _still_serves(info: ServerInfo) -> None:
    client = connect("pymysql", info, *PASSWORD_USER)
    try:
        assert client.query("SELECT 1") == [(1,)]
    finally:
        client.close()


def _login_error(info: ServerInfo, user: str, password: str, **kw: object) -> pymysql.MySQLError:
    with pytest.raises(pymysql.MySQLError) as exc:
        pymysql.connect(
            host=info.host,
            port=info.port,
            user=user,
            password=password,
            ssl_ca=str(info.server_ca),
            **kw,  # type: ignore[arg-type]
        ).close()
    return exc.value


def test_plaintext_login_refused_with_3159_before_credentials(server: ServerInfo) -> None:
    raw = RawConn(server.host, server.port)
    raw.read_greeting()
    raw.send_packet(1, handshake_response(PASSWORD_USER[0], auth=b"\x01" * 32))
    _seq, payload = raw.recv_packet()
    err = parse_err(payload)
    assert (err.errno, err.sqlstate) == (3159, "08004")
    assert raw.closed()
    raw.close()
    # A stock client that does not ask for TLS gets the same answer.
    with pytest.raises(pymysql.MySQLError) as exc:
        pymysql.connect(host=server.host, port=server.port, user="alice", password="x")
    assert exc.value.args[0] == 3159
    _still_serves(server)


def test_wrong_password_and_unknown_user_answer_identically(server: ServerInfo) -> None:
    wrong = _login_error(server, PASSWORD_USER[0], "wrong-password")
    unknown = _login_error(server, "nobody_here", "wrong-password")
    assert wrong.args[0] == unknown.args[0] == 1045
    assert wrong.args[1].replace(PASSWORD_USER[0], "U") == unknown.args[1].replace(
        "nobody_here", "U"
    )
    empty = _login_error(server, PASSWORD_USER[0], "")
    assert empty.args[0] == 1045
    assert "using password: NO" in empty.args[1]
    anonymous = _login_error(server, "", "")
    assert anonymous.args[0] == 1045
    _still_serves(server)


def test_x509_user_needs_its_certificate(server: ServerInfo) -> None:
    err = _login_error(server, X509_USER, "")
    assert err.args[0] == 1045
    # The password user cannot log in with a certificate and no password either.
    err = _login_error(
        server,
        PASSWORD_USER[0],
        "",
        ssl_cert=str(server.client_cert),
        ssl_key=str(server.client_key),
    )
    assert err.args[0] == 1045
    _still_serves(server)


def test_client_certificate_from_another_ca_is_refused(server: ServerInfo) -> None:
    with pytest.raises(pymysql.MySQLError):
        pymysql.connect(
            host=server.host,
            port=server.port,
            user=X509_USER,
            password="",
            ssl_ca=str(server.server_ca),
            ssl_cert=str(server.other_cert),
            ssl_key=str(server.other_key),
        ).close()
    _still_serves(server)


def test_wrong_sequence_id_gets_1156_and_close(server: ServerInfo) -> None:
    raw = RawConn(server.host, server.port)
    raw.read_greeting()
    raw.send_packet(7, ssl_request())
    _seq, payload = raw.recv_packet()
    err = parse_err(payload)
    assert (err.errno, err.sqlstate) == (1156, "08S01")
    assert raw.closed()
    raw.close()
    _still_serves(server)


def test_garbage_handshake_is_a_clean_error(server: ServerInfo) -> None:
    for junk in (b"", b"\x00", b"\xff" * 40, b"\x05\x00\x00\x00" + b"\xfe" * 33):
        raw = RawConn(server.host, server.port)
        raw.read_greeting()
        raw.send_packet(1, junk)
        try:
            _seq, payload = raw.recv_packet()
            assert payload[0] == 0xFF
            assert parse_err(payload).errno in (1043, 1045, 1156, 3159, 1047, 1251)
        except ConnectionError:
            pass
        assert raw.closed()
        raw.close()
    _still_serves(server)


def test_tls_versions_below_1_2_refused(server: ServerInfo) -> None:
    raw = RawConn(server.host, server.port)
    raw.read_greeting()
    raw.send_packet(1, ssl_request(BASE_CAPS | CLIENT_SSL))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the point of the test
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        ctx.wrap_socket(raw.sock, server_hostname="localhost")
    raw.close()
    _still_serves(server)


@pytest.fixture
def tight_server(tmp_path: Path, pki: PKI) -> Iterator[ServerInfo]:
    info = start_server(
        tmp_path,
        manifest=manifest_for(pki),
        pki=pki,
        extra_args=[
            "--connect-timeout",
            "1",
            "--net-read-timeout",
            "1",
            "--max-connections",
            "3",
            "--max-allowed-packet",
            "65536",
        ],
    )
    yield info
    assert stop_server(info) == 0
    assert "Traceback" not in info.log_text()


def test_limits_and_deadlines(tight_server: ServerInfo) -> None:
    info = tight_server
    # P5: silent after the greeting -> closed by the handshake deadline.
    raw = RawConn(info.host, info.port)
    raw.read_greeting()
    started = time.monotonic()
    assert raw.closed(timeout=5)
    assert time.monotonic() - started < 4
    raw.close()

    # P1: a packet over max_allowed_packet is refused from its header alone.
    client = connect("pymysql", info, *PASSWORD_USER)
    with pytest.raises(ClientError) as exc:
        client.query("SELECT '" + "x" * 70000 + "'")
    assert exc.value.errno in (1153, 2013, 2006)
    client.close()
    raw = RawConn(info.host, info.port)
    raw.read_greeting()
    raw.sock.sendall(b"\xff\xff\xff\x01")  # header of a 16 MiB packet, no body
    _seq, payload = raw.recv_packet()
    err = parse_err(payload)
    assert (err.errno, err.sqlstate) == (1153, "08S01")
    assert raw.closed()
    raw.close()

    # P4: a stalled body is closed by the read deadline.
    raw = RawConn(info.host, info.port)
    raw.read_greeting()
    raw.sock.sendall(b"\xe8\x03\x00\x01" + b"\x00" * 9)  # declares 1,000 bytes, sends 9
    started = time.monotonic()
    assert raw.closed(timeout=5)
    assert time.monotonic() - started < 4
    raw.close()

    # R1: connections beyond max_connections get 1040 / 08004; the others are unaffected.
    keep = [connect("pymysql", info, *PASSWORD_USER) for _ in range(3)]
    raw = RawConn(info.host, info.port)
    _seq, payload = raw.recv_packet()
    err = parse_err(payload)
    assert (err.errno, err.sqlstate) == (1040, "08004")
    raw.close()
    for client in keep:
        assert client.query("SELECT 1") == [(1,)]
        client.close()
    time.sleep(0.2)
    _still_serves(info)


def test_unknown_command_keeps_connection(server: ServerInfo) -> None:
    client = connect("pymysql", server, *PASSWORD_USER)
    conn = client.conn  # type: ignore[attr-defined]
    conn._execute_command(0xEE, b"")  # not a command MySQL defines
    with pytest.raises(pymysql.MySQLError) as exc:
        conn._read_ok_packet()
    assert exc.value.args[0] == 1047
    assert client.query("SELECT 2") == [(2,)]
    client.close()
