"""Hardened SQLite connections: settings, limits, the authorizer fence, error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest

from edb_proxy.errors import ER, EngineBusy
from edb_proxy.storage import (
    LIMITS,
    EngineError,
    StaleSnapshotError,
    StorageOptions,
    open_connection,
    schema_changes,
    translate_error,
)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[apsw.Connection]:
    c = open_connection(tmp_path / "s.db", create=True)
    yield c
    c.close()


def _pragma(conn: apsw.Connection, name: str) -> object:
    auth = conn.authorizer
    conn.authorizer = None
    try:
        return conn.execute(f"PRAGMA {name}").fetchall()[0][0]
    finally:
        conn.authorizer = auth


def test_durability_and_hardening_settings(conn: apsw.Connection) -> None:
    assert _pragma(conn, "journal_mode") == "wal"
    assert _pragma(conn, "synchronous") == 2  # FULL
    assert _pragma(conn, "foreign_keys") == 1
    assert _pragma(conn, "temp_store") == 2  # MEMORY
    assert _pragma(conn, "trusted_schema") == 0
    assert _pragma(conn, "cell_size_check") == 1
    assert _pragma(conn, "mmap_size") == 0
    assert conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, -1) == 1
    assert conn.config(apsw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, -1) == 0
    for limit, value in LIMITS.items():
        if limit != apsw.SQLITE_LIMIT_LENGTH:
            assert conn.limit(limit, -1) == value
    assert conn.limit(apsw.SQLITE_LIMIT_ATTACHED, -1) == 0


def test_open_requires_existing_file_unless_create(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        open_connection(tmp_path / "missing.db", create=False)


def test_not_a_database_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 1000)
    with pytest.raises(EngineError) as info:
        open_connection(path, create=False)
    assert info.value.kind is ER.ER_TABLE_CORRUPT


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH DATABASE ':memory:' AS x",
        "PRAGMA writable_schema=ON",
        "SELECT * FROM sqlite_master",
        "SELECT sql FROM sqlite_schema",
        "SELECT load_extension('x')",
        "SELECT fts3_tokenizer('simple')",
        "SELECT sqlite_version()",
        "SELECT * FROM pragma_table_info('t')",
        "SELECT * FROM dbstat",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE VIRTUAL TABLE f USING fts5(x)",
        "SELECT printf('%s', 1)",
        "SELECT randomblob(10)",
        "INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, '')",
    ],
)
def test_authorizer_fence(conn: apsw.Connection, sql: str) -> None:
    conn.execute("CREATE TABLE t (a INT)")
    with pytest.raises(apsw.Error) as info:
        conn.execute(sql).fetchall()
    err = translate_error(info.value)
    assert err.kind in (ER.ER_NOT_SUPPORTED_YET, ER.ER_PARSE_ERROR, ER.ER_NO_SUCH_TABLE)


def test_schema_changes_allow_ddl(conn: apsw.Connection) -> None:
    with schema_changes(conn):
        conn.execute('CREATE TABLE "a.b" (x INTEGER PRIMARY KEY, y TEXT UNIQUE) STRICT')
        conn.execute('DROP TABLE "a.b"')
    with pytest.raises(apsw.AuthError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()


def test_allowed_functions_and_registered_ones(tmp_path: Path) -> None:
    opts = StorageOptions(functions={"edb_x"})
    c = open_connection(tmp_path / "f.db", create=True, options=opts)
    c.create_scalar_function("edb_x", lambda: 7, 0)
    assert c.execute("SELECT edb_x(), abs(-1), upper('a')").fetchall() == [(7, 1, "A")]
    c.create_scalar_function("other", lambda: 1, 0)
    with pytest.raises(apsw.Error) as info:
        c.execute("SELECT other()").fetchall()
    assert translate_error(info.value).kind is ER.ER_NOT_SUPPORTED_YET
    c.close()


def test_length_limit(tmp_path: Path) -> None:
    c = open_connection(tmp_path / "l.db", create=True, options=StorageOptions(max_length=2**20))
    with pytest.raises(apsw.TooBigError) as info:
        c.execute("SELECT ?", ("x" * (2**20 + 1),)).fetchall()
    assert translate_error(info.value).kind is ER.ER_TOO_LONG_STRING
    c.close()


def test_busy_and_stale_snapshot_mapping(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    a = open_connection(path, create=True)
    b = open_connection(path, create=False)
    a.execute("CREATE TABLE t (x INT)")
    a.execute("INSERT INTO t VALUES (1)")
    a.execute("BEGIN IMMEDIATE")
    with pytest.raises(apsw.BusyError) as info:
        b.execute("INSERT INTO t VALUES (2)")  # busy timeout is 0: fails at once
    busy = translate_error(info.value)
    assert isinstance(busy, EngineBusy) and busy.errno == 1205
    a.execute("ROLLBACK")
    b.execute("BEGIN")
    b.execute("SELECT * FROM t").fetchall()
    a.execute("INSERT INTO t VALUES (3)")
    with pytest.raises(apsw.BusyError) as info:
        b.execute("INSERT INTO t VALUES (4)")
    stale = translate_error(info.value)
    assert isinstance(stale, StaleSnapshotError) and stale.errno == 1213
    b.execute("ROLLBACK")
    a.close()
    b.close()


def test_constraint_mapping(conn: apsw.Connection) -> None:
    conn.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL) STRICT")
    conn.execute("INSERT INTO c VALUES (1, 'a', 'x')")
    cases = {
        "INSERT INTO c VALUES (1, 'b', 'x')": ER.ER_DUP_ENTRY,
        "INSERT INTO c VALUES (2, 'a', 'x')": ER.ER_DUP_ENTRY,
        "INSERT INTO c VALUES (3, 'c', NULL)": ER.ER_BAD_NULL_ERROR,
        "INSERT INTO c VALUES ('abc', 'd', 'x')": ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
        "SELECT nope FROM c": ER.ER_BAD_FIELD_ERROR,
        "SELECT * FROM nope": ER.ER_NO_SUCH_TABLE,
        "SELEC 1": ER.ER_PARSE_ERROR,
    }
    for sql, kind in cases.items():
        with pytest.raises(apsw.Error) as info:
            conn.execute(sql)
        err = translate_error(info.value)
        assert err.kind is kind, sql
        assert "c." not in err.message  # our own message, not SQLite's


def test_unknown_errors_become_internal() -> None:
    err = translate_error(apsw.InternalError("boom"))
    assert err.kind is ER.ER_INTERNAL_ERROR and "boom" not in err.message
    assert translate_error(apsw.FullError("x")).kind is ER.ER_RECORD_FILE_FULL
    assert translate_error(apsw.CorruptError("x")).kind is ER.ER_TABLE_CORRUPT
    assert translate_error(apsw.IOError("x")).kind is ER.ER_GET_ERRNO
    assert translate_error(apsw.ReadOnlyError("x")).kind is ER.ER_READ_ONLY_TRANSACTION
    assert translate_error(apsw.NoMemError("x")).kind is ER.ER_OUT_OF_RESOURCES


def test_cipher_seam_is_not_silently_ignored(tmp_path: Path) -> None:
    class Cipher:
        def seal(self, page_number: int, plaintext: bytes) -> bytes:
            return plaintext

        def open(self, page_number: int, ciphertext: bytes) -> bytes:
            return ciphertext

    with pytest.raises(NotImplementedError):
        open_connection(tmp_path / "e.db", create=True, options=StorageOptions(cipher=Cipher()))
