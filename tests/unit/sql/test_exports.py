"""The public surface of edb_proxy.sql is explicit and pinned (STYLE.md habit 9)."""

from __future__ import annotations

import pytest

import edb_proxy.sql as sql
from edb_proxy.errors import SQLError
from edb_proxy.sql.api import SessionAPI


def test_exports_are_pinned() -> None:
    assert sorted(sql.__all__) == [
        "Account",
        "Database",
        "OkResult",
        "PreparedStatement",
        "Result",
        "ResultSet",
        "Session",
        "SessionAPI",
        "Statement",
        "check_password",
        "dummy_password_hash",
        "hash_password",
    ]
    for name in sql.__all__:
        assert getattr(sql, name) is not None


def test_session_implements_the_contract(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = sql.Database(tmp_path / "c.db")
    session: SessionAPI = db.session(connection_id=1, user="root")
    for name in (
        "parse",
        "run",
        "prepare",
        "run_prepared",
        "close_prepared",
        "use",
        "field_list",
        "reset",
        "close",
    ):
        assert callable(getattr(session, name))
    assert session.database is None and session.autocommit and not session.in_transaction
    statements = session.parse("SELECT 1", multi=False)
    assert statements[0].text == "SELECT 1"
    stmt = session.prepare("SELECT ? + 1")
    assert stmt.param_count == 1
    assert session.run_prepared(stmt, [41]).rows == [(42,)]
    with pytest.raises(SQLError) as info:
        session.run_prepared(stmt, [])
    assert info.value.errno == 1210
    session.close_prepared(stmt)
    session.close()
    db.close()
