"""Fixtures for the SQL layer tests: a fresh database file per test, sessions on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edb_proxy.sql import Database
from tests.unit.sql.helpers import SBTEST_DDL, Client


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "edb.db"


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    db = Database(db_path)
    db.initialize(["CREATE DATABASE app"])
    yield db
    db.close()


@pytest.fixture
def client(database: Database) -> Iterator[Client]:
    session = database.session(connection_id=1, user="root")
    session.use("app")
    yield Client(session)
    session.close()


@pytest.fixture
def other(database: Database) -> Iterator[Client]:
    """A second connection to the same database."""
    session = database.session(connection_id=2, user="root")
    session.use("app")
    yield Client(session)
    session.close()


@pytest.fixture
def sbtest(client: Client) -> Client:
    """``app.sbtest1`` with ten rows (id 1..10, k = id * 10, c = 'c<id>', pad = 'p<id>')."""
    client.ok(SBTEST_DDL)
    values = ",".join(f"({i * 10}, 'c{i:02d}', 'p{i}')" for i in range(1, 11))
    client.ok(f"INSERT INTO sbtest1(k, c, pad) VALUES{values}")
    client.ok("CREATE INDEX k_1 ON sbtest1(k)")
    return client
