"""The public surface of ``edb_proxy.protocol`` is explicit and pinned."""

from __future__ import annotations

import inspect

import edb_proxy.protocol as protocol
from edb_proxy.protocol import ServerConnection
from edb_proxy.protocol.connection import _TRANSITIONS, ConnectionState

EXPECTED = {
    "DEFAULT_SERVER_CAPABILITIES",
    "AuthData",
    "BadCommand",
    "Capability",
    "ComFieldList",
    "ComInitDB",
    "ComPing",
    "ComProcessKill",
    "ComQuery",
    "ComQuit",
    "ComResetConnection",
    "ComSetOption",
    "ComStatistics",
    "ComStmtClose",
    "ComStmtExecute",
    "ComStmtFetch",
    "ComStmtPrepare",
    "ComStmtReset",
    "Command",
    "ConnectionClosed",
    "ConnectionState",
    "CursorType",
    "Event",
    "HandshakeResponse",
    "PacketReader",
    "SSLRequest",
    "ServerConnection",
    "ServerStatus",
    "SetOption",
    "caching_sha2_scramble",
    "frame",
    "native_password_scramble",
    "native_stage2",
    "sha2_stage2",
    "verify_caching_sha2",
    "verify_native_password",
}


def test_all_is_pinned() -> None:
    assert set(protocol.__all__) == EXPECTED
    for name in protocol.__all__:
        assert hasattr(protocol, name)


def test_server_connection_signature() -> None:
    params = inspect.signature(ServerConnection).parameters
    assert list(params) == [
        "connection_id",
        "server_version",
        "capabilities",
        "auth_plugin",
        "max_allowed_packet",
        "scramble",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    for method in (
        "greeting",
        "receive_data",
        "next_event",
        "auth_switch_request",
        "auth_more_data",
        "auth_ok",
        "error",
        "ok",
        "result_set",
        "prepare_ok",
        "forget_statement",
        "stmt_reset_ok",
        "cursor_opened",
        "fetch_result",
        "field_list",
        "statistics",
        "set_option_reply",
    ):
        assert callable(getattr(ServerConnection, method))


def test_state_table_covers_every_state() -> None:
    sources = {state for state, _ in _TRANSITIONS}
    assert sources == set(ConnectionState) - {ConnectionState.CLOSED}
    assert not any(state is ConnectionState.CLOSED for state, _ in _TRANSITIONS)


def test_protocol_imports_only_stdlib_and_shared_tables() -> None:
    import ast
    import pathlib
    import sys

    root = pathlib.Path(protocol.__file__).parent
    allowed = {"edb_proxy.errors", "edb_proxy.fieldtypes"}
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if name.startswith("edb_proxy."):
                    assert name in allowed or name.startswith("edb_proxy.protocol"), (path, name)
                else:
                    assert top in sys.stdlib_module_names, (path, name)
                    assert top not in {"asyncio", "socket", "ssl", "selectors"}, (path, name)


def test_docs_state_diagram_matches_table() -> None:
    import pathlib

    from edb_proxy.protocol.connection import state_diagram

    docs = pathlib.Path(__file__).parents[3] / "docs" / "protocol.md"
    assert state_diagram() in docs.read_text()
