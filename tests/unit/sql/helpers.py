"""Test driver helpers shared by the SQL layer tests."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from edb_proxy.errors import SQLError
from edb_proxy.fieldtypes import Value
from edb_proxy.sql import OkResult, Result, ResultSet, Session


class Client:
    """A thin test driver over one :class:`Session`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def run(self, sql: str) -> Result:
        results = self.run_all(sql)
        assert len(results) == 1
        return results[0]

    def run_all(self, sql: str) -> list[Result]:
        statements = self.session.parse(sql, multi=True)
        return [self.session.run(st) for st in statements]

    def rows(self, sql: str) -> list[tuple[Value, ...]]:
        result = self.run(sql)
        assert isinstance(result, ResultSet), result
        return [tuple(r) for r in result.rows]

    def value(self, sql: str) -> Value:
        rows = self.rows(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    def ok(self, sql: str) -> OkResult:
        result = self.run(sql)
        assert isinstance(result, OkResult), result
        return result

    def error(self, sql: str) -> SQLError:
        with pytest.raises(SQLError) as info:
            self.run_all(sql)
        return info.value

    def prepared(self, sql: str, params: Sequence[Value]) -> Result:
        stmt = self.session.prepare(sql)
        try:
            return self.session.run_prepared(stmt, params)
        finally:
            self.session.close_prepared(stmt)


SBTEST_DDL = (
    "CREATE TABLE sbtest1(id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL,"
    " c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id))"
    " /*! ENGINE = innodb */"
)
