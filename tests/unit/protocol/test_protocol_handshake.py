"""Connection phase: greeting layout, SSLRequest, HandshakeResponse41 forms, auth exchange."""

from __future__ import annotations

import struct

import pytest

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError
from edb_proxy.protocol import (
    DEFAULT_SERVER_CAPABILITIES,
    AuthData,
    Capability,
    ConnectionClosed,
    ConnectionState,
    HandshakeResponse,
    ServerStatus,
    SSLRequest,
    caching_sha2_scramble,
    sha2_stage2,
    verify_caching_sha2,
)
from tests.unit.protocol import client_codec as cc
from tests.unit.protocol.helpers import SCRAMBLE, feed, new_server

S = ConnectionState


def test_greeting_layout() -> None:
    conn = new_server(connection_id=0x01020304)
    data = conn.greeting()
    [(seq, payload)] = cc.unframe(data)
    assert seq == 0
    g = cc.parse_greeting(payload)
    assert g.protocol == 10
    assert g.version == b"8.0.36-edb"
    assert g.connection_id == 0x01020304
    assert g.scramble == SCRAMBLE
    start = 1 + len(g.version) + 1 + 4
    assert payload[start : start + 9] == SCRAMBLE[:8] + b"\x00"
    assert g.charset == 45
    assert g.status == ServerStatus.SERVER_STATUS_AUTOCOMMIT
    assert g.auth_data_len == 21
    assert g.reserved == bytes(10)
    assert g.plugin == b"caching_sha2_password"
    assert g.capabilities == int(DEFAULT_SERVER_CAPABILITIES)
    for absent in (
        Capability.CLIENT_COMPRESS,
        Capability.CLIENT_LOCAL_FILES,
        Capability.CLIENT_QUERY_ATTRIBUTES,
        Capability.CLIENT_OPTIONAL_RESULTSET_METADATA,
    ):
        assert not g.capabilities & absent
    assert conn.state is S.HANDSHAKE
    with pytest.raises(LocalProtocolError):
        conn.greeting()


def test_random_scramble_is_safe_for_old_clients() -> None:
    for _ in range(50):
        s = new_server(scramble=None).scramble
        assert len(s) == 20 and b"\x00" not in s and b"$" not in s
        assert all(b < 128 for b in s)
    with pytest.raises(ValueError, match="scramble"):
        new_server(scramble=b"\x00" * 20)


def test_native_plugin_greeting() -> None:
    conn = new_server(auth_plugin="mysql_native_password")
    g = cc.parse_greeting(cc.unframe(conn.greeting())[0][1])
    assert g.plugin == b"mysql_native_password"


@pytest.mark.parametrize("form", ["lenenc", "secure", "nul"])
def test_response_without_ssl_seq1_and_auth_forms(split: cc.Split, form: str) -> None:
    conn = new_server()
    conn.greeting()
    auth = caching_sha2_scramble(b"secret", SCRAMBLE)
    if form == "nul":
        auth = auth.replace(b"\x00", b"\x01")  # the NUL form cannot carry NUL bytes
    resp = cc.Response41(
        user="jöhn".encode(),
        auth=auth,
        database=b"shop",
        auth_form=form,
        attrs={b"_client_name": b"libmysql", b"program_name": "prög".encode()},
    )
    [event] = feed(conn, cc.frame(resp.encode(), 1), split)
    assert isinstance(event, HandshakeResponse)
    assert event.user == "jöhn"
    assert event.auth_response == auth
    assert event.database == "shop"
    assert event.auth_plugin == "caching_sha2_password"
    assert event.attributes == {"_client_name": "libmysql", "program_name": "prög"}
    assert event.max_packet == 1 << 24 and event.charset == 45
    assert conn.state is S.AUTH
    assert not conn.tls_requested
    assert conn.client_capabilities == event.capabilities & DEFAULT_SERVER_CAPABILITIES
    if form != "nul":
        verify_caching_sha2(event.auth_response, SCRAMBLE, sha2_stage2(b"secret"))


def test_long_auth_response_needs_lenenc(split: cc.Split) -> None:
    conn = new_server()
    conn.greeting()
    resp = cc.Response41(auth=b"\x07" * 300, auth_form="lenenc")
    [event] = feed(conn, cc.frame(resp.encode(), 1), split)
    assert isinstance(event, HandshakeResponse)
    assert event.auth_response == b"\x07" * 300


def test_minimal_response_without_optional_fields(split: cc.Split) -> None:
    conn = new_server()
    conn.greeting()
    resp = cc.Response41(plugin=None, auth_form="secure")
    [event] = feed(conn, cc.frame(resp.encode(), 1), split)
    assert isinstance(event, HandshakeResponse)
    assert event.auth_plugin is None and event.database is None and event.attributes == {}


def test_trailing_optional_fields_missing_are_tolerated() -> None:
    # CONNECT_WITH_DB|PLUGIN_AUTH|CONNECT_ATTRS set but the packet ends after the auth data.
    caps = cc.BASE_CAPS | cc.CONNECT_WITH_DB | cc.CONNECT_ATTRS
    payload = struct.pack("<IIB23x", caps, 1 << 24, 45) + b"u\x00\x00"
    conn = new_server()
    conn.greeting()
    [event] = feed(conn, cc.frame(payload, 1))
    assert isinstance(event, HandshakeResponse)
    assert (event.database, event.auth_plugin, event.attributes) == (None, None, {})


def test_ssl_request_then_response_seq2(split: cc.Split) -> None:
    conn = new_server()
    conn.greeting()
    raw = cc.frame(cc.ssl_request(), 1)
    assert len(raw) == 36
    [event] = feed(conn, raw, split)
    assert isinstance(event, SSLRequest)
    assert event.capabilities & Capability.CLIENT_SSL
    assert conn.state is S.TLS_HANDSHAKE and conn.tls_requested
    assert conn.take_tls_bytes() == b""
    resp = cc.Response41(caps=cc.BASE_CAPS | cc.SSL, auth=b"pw\x00")
    [event] = feed(conn, cc.frame(resp.encode(), 2), split)
    assert isinstance(event, HandshakeResponse)
    assert conn.state is S.AUTH
    # The server's reply continues at 3; the client's answer at 4.
    assert cc.seqs(conn.auth_more_data(b"\x04")) == [3]
    [event] = feed(conn, cc.frame(b"secret\x00", 4), split)
    assert event == AuthData(b"secret\x00")
    assert cc.seqs(conn.auth_ok()) == [5]
    assert conn.state is S.COMMAND


def test_ssl_request_with_eager_tls_bytes() -> None:
    conn = new_server()
    conn.greeting()
    hello = b"\x16\x03\x01\x02\x00\x01"
    conn.receive_data(cc.frame(cc.ssl_request(), 1) + hello)
    assert isinstance(conn.next_event(), SSLRequest)
    assert conn.take_tls_bytes() == hello
    assert conn.next_event() is None


def test_response_after_ssl_request_with_seq1_is_out_of_order() -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.ssl_request(), 1))
    conn.receive_data(cc.frame(cc.Response41().encode(), 1))
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind is ER.ER_NET_PACKETS_OUT_OF_ORDER
    assert conn.state is S.ERROR
    with pytest.raises(RemoteProtocolError):
        conn.next_event()  # re-raised
    err = cc.parse_err(cc.unframe(conn.error(*info.value.kind.value, info.value.message))[0][1])
    assert err.errno == 1156 and err.sqlstate == "08S01"
    assert conn.state is S.CLOSED


def test_ssl_request_twice_is_refused() -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.ssl_request(), 1))
    conn.receive_data(cc.frame(cc.ssl_request(), 2))
    with pytest.raises(RemoteProtocolError):
        conn.next_event()


def test_ssl_request_when_tls_not_offered() -> None:
    conn = new_server(capabilities=DEFAULT_SERVER_CAPABILITIES & ~Capability.CLIENT_SSL)
    conn.greeting()
    conn.receive_data(cc.frame(cc.ssl_request(), 1))
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind is ER.ER_HANDSHAKE_ERROR


def test_plaintext_response_claiming_ssl_is_refused() -> None:
    conn = new_server()
    conn.greeting()
    conn.receive_data(cc.frame(cc.Response41(caps=cc.BASE_CAPS | cc.SSL).encode(), 1))
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind is ER.ER_HANDSHAKE_ERROR


def test_pre_41_client_refused(split: cc.Split) -> None:
    conn = new_server()
    conn.greeting()
    old = struct.pack("<HI", cc.LONG_PASSWORD, 1 << 24)[:5] + b"user\x00scramble\x00"
    with pytest.raises(RemoteProtocolError) as info:
        feed(conn, cc.frame(old, 1), split)
    assert info.value.kind in (ER.ER_NOT_SUPPORTED_AUTH_MODE, ER.ER_HANDSHAKE_ERROR)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x00\x02",
        struct.pack("<IIB23x", cc.BASE_CAPS, 0, 45),  # 32 bytes but no CLIENT_SSL
        struct.pack("<IIB23x", cc.BASE_CAPS, 0, 45) + b"user-without-nul",
        struct.pack("<IIB23x", cc.BASE_CAPS | cc.LENENC_CLIENT_DATA, 0, 45) + b"u\x00\xfc\x01",
        struct.pack("<IIB23x", cc.BASE_CAPS, 0, 45) + b"u\x00\x05ab",
        struct.pack("<IIB23x", cc.BASE_CAPS, 0, 45) + b"\xff\xfe\x00\x00",  # user not UTF-8
        cc.Response41(raw_attrs=b"\x10\x03abc").encode(),  # attrs length beyond packet
        cc.Response41(raw_attrs=b"\x04\x03abc").encode(),  # attr value missing
        cc.Response41(raw_attrs=b"\xfd\x01\x00\x01" + bytes(65537)).encode(),  # > 64 KiB
        cc.Response41(raw_attrs=b"\xff").encode(),
    ],
)
def test_malformed_responses(payload: bytes) -> None:
    conn = new_server()
    conn.greeting()
    conn.receive_data(cc.frame(payload, 1))
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind in (ER.ER_HANDSHAKE_ERROR, ER.ER_NOT_SUPPORTED_AUTH_MODE)


def test_native_auth_switch_flow(split: cc.Split) -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.Response41(plugin=b"mysql_native_password").encode(), 1), split)
    switch = conn.auth_switch_request("mysql_native_password", SCRAMBLE + b"\x00")
    [(seq, payload)] = cc.unframe(switch)
    assert seq == 2
    assert payload == b"\xfemysql_native_password\x00" + SCRAMBLE + b"\x00"
    assert conn.state is S.AUTH_CLIENT
    [event] = feed(conn, cc.frame(b"\x01" * 20, 3), split)
    assert event == AuthData(b"\x01" * 20)
    assert conn.state is S.AUTH
    ok = cc.parse_ok(cc.unframe(conn.auth_ok(ServerStatus.SERVER_STATUS_AUTOCOMMIT))[0][1])
    assert ok.status == 2 and ok.header == 0


def test_caching_sha2_fast_path_seq() -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.Response41(auth=b"a" * 32).encode(), 1))
    data = conn.auth_more_data(b"\x03") + conn.auth_ok()
    assert cc.unframe(data) == [(2, b"\x01\x03"), (3, b"\x00\x00\x00\x02\x00\x00\x00")]


def test_auth_error_closes() -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.Response41().encode(), 1))
    data = conn.error(1045, "28000", "Access denied for user 'root'")
    [(seq, payload)] = cc.unframe(data)
    assert seq == 2
    err = cc.parse_err(payload)
    assert (err.errno, err.sqlstate) == (1045, "28000")
    assert conn.state is S.CLOSED
    assert isinstance(conn.next_event(), ConnectionClosed)


def test_error_instead_of_greeting() -> None:
    conn = new_server()
    assert cc.seqs(conn.error(1040, "08004", "Too many connections")) == [0]
    assert conn.state is S.CLOSED


def test_client_data_in_servers_turn_waits() -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.Response41().encode(), 1))
    conn.receive_data(cc.frame(b"early", 2))
    assert conn.next_event() is None  # server's turn: stays buffered
    conn.auth_switch_request("mysql_native_password", SCRAMBLE + b"\x00")
    with pytest.raises(RemoteProtocolError) as info:  # it carried seq 2, 3 was due
        conn.next_event()
    assert info.value.kind is ER.ER_NET_PACKETS_OUT_OF_ORDER


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("auth_ok", ()),
        ("auth_more_data", (b"x",)),
        ("auth_switch_request", ("p", b"")),
        ("ok", ()),
        ("statistics", ("x",)),
    ],
)
def test_responses_refused_before_handshake(method: str, args: tuple[object, ...]) -> None:
    conn = new_server()
    conn.greeting()
    with pytest.raises(LocalProtocolError):
        getattr(conn, method)(*args)
    assert conn.state is S.HANDSHAKE


def test_eof_during_handshake(split: cc.Split) -> None:
    conn = new_server()
    conn.greeting()
    feed(conn, cc.frame(cc.Response41().encode(), 1)[:10], split)
    conn.receive_data(b"")
    assert isinstance(conn.next_event(), ConnectionClosed)
    assert conn.state is S.CLOSED
    with pytest.raises(LocalProtocolError):
        conn.receive_data(b"more")


def test_packet_too_large_in_handshake() -> None:
    conn = new_server(max_allowed_packet=1024)
    conn.greeting()
    conn.receive_data((2000).to_bytes(3, "little") + b"\x01")
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind is ER.ER_NET_PACKET_TOO_LARGE
    # The ERR answers the offending packet (id 1) with id 2, as MySQL does.
    assert cc.seqs(conn.error(*ER.ER_NET_PACKET_TOO_LARGE.value, "too large")) == [2]
