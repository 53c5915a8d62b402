"""Helpers pairing the server codec with the test client codec in memory."""

from __future__ import annotations

from edb_proxy.protocol import ConnectionClosed, ConnectionState, Event, ServerConnection
from tests.unit.protocol import client_codec as cc

SCRAMBLE = bytes(range(1, 21))


def feed(conn: ServerConnection, data: bytes, split: cc.Split = cc.split_whole) -> list[Event]:
    """Feed ``data`` in ``split`` chunks, collecting events until the codec waits for us."""
    events: list[Event] = []
    for chunk in split(data):
        conn.receive_data(chunk)
        while (event := conn.next_event()) is not None:
            events.append(event)
            if isinstance(event, ConnectionClosed) or conn.state is ConnectionState.CLOSED:
                return events
    return events


def new_server(**kwargs: object) -> ServerConnection:
    params: dict[str, object] = {
        "connection_id": 42,
        "server_version": "8.0.36-edb",
        "scramble": SCRAMBLE,
    }
    params.update(kwargs)
    return ServerConnection(**params)  # type: ignore[arg-type]


def connect(
    split: cc.Split = cc.split_whole,
    caps: int = cc.BASE_CAPS | cc.DEPRECATE_EOF,
    **kwargs: object,
) -> ServerConnection:
    """A server codec that completed the handshake with a client offering ``caps``."""
    conn = new_server(**kwargs)
    conn.greeting()
    events = feed(conn, cc.frame(cc.Response41(caps=caps, auth=b"x" * 32).encode(), 1), split)
    assert len(events) == 1
    conn.auth_ok()
    assert conn.state is ConnectionState.COMMAND
    return conn
