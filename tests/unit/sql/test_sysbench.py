"""sysbench oltp_* statements, exactly as sysbench sends them, as text and prepared."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edb_proxy.fieldtypes import FieldType
from edb_proxy.sql import OkResult, ResultSet
from tests.unit.sql.helpers import SBTEST_DDL, Client

TEXT_CASES = [
    ("SELECT c FROM sbtest1 WHERE id=5", [("c05",)]),
    ("SELECT c FROM sbtest1 WHERE id BETWEEN 2 AND 4", [("c02",), ("c03",), ("c04",)]),
    ("SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN 2 AND 4", [(Decimal(90),)]),
    ("SELECT c FROM sbtest1 WHERE id BETWEEN 3 AND 5 ORDER BY c", [("c03",), ("c04",), ("c05",)]),
    (
        "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 3 AND 5 ORDER BY c",
        [("c03",), ("c04",), ("c05",)],
    ),
]


@pytest.mark.parametrize(("sql", "expected"), TEXT_CASES)
def test_point_and_range_selects_as_text(sbtest: Client, sql: str, expected: list[tuple]) -> None:
    assert sbtest.rows(sql) == expected


@pytest.mark.parametrize(("sql", "expected"), TEXT_CASES)
def test_point_and_range_selects_prepared(sbtest: Client, sql: str, expected: list[tuple]) -> None:
    prepared = sql.replace("=5", "=?").replace("BETWEEN 2 AND 4", "BETWEEN ? AND ?")
    prepared = prepared.replace("BETWEEN 3 AND 5", "BETWEEN ? AND ?")
    params = [5] if "=?" in prepared else ([2, 4] if "BETWEEN 2" in sql else [3, 5])
    result = sbtest.prepared(prepared, params)
    assert isinstance(result, ResultSet)
    assert [tuple(r) for r in result.rows] == expected


def test_sum_is_newdecimal(sbtest: Client) -> None:
    result = sbtest.run("SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN 1 AND 3")
    assert isinstance(result, ResultSet)
    assert result.columns[0].type is FieldType.MYSQL_TYPE_NEWDECIMAL
    assert result.columns[0].name == "SUM(k)"


def test_writes_as_text(sbtest: Client) -> None:
    assert sbtest.ok("UPDATE sbtest1 SET k=k+1 WHERE id=3").affected_rows == 1
    assert sbtest.value("SELECT k FROM sbtest1 WHERE id=3") == 31
    assert sbtest.ok("UPDATE sbtest1 SET c='new' WHERE id=3").affected_rows == 1
    assert sbtest.ok("DELETE FROM sbtest1 WHERE id=3").affected_rows == 1
    result = sbtest.ok("INSERT INTO sbtest1 (id, k, c, pad) VALUES (3, 7, 'x', 'y')")
    assert result.affected_rows == 1
    assert result.last_insert_id == 3
    assert sbtest.rows("SELECT id, k, c, pad FROM sbtest1 WHERE id=3") == [(3, 7, "x", "y")]


def test_writes_prepared(sbtest: Client) -> None:
    s = sbtest.session
    update_k = s.prepare("UPDATE sbtest1 SET k=k+1 WHERE id=?")
    update_c = s.prepare("UPDATE sbtest1 SET c=? WHERE id=?")
    delete = s.prepare("DELETE FROM sbtest1 WHERE id=?")
    insert = s.prepare("INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)")
    assert (update_k.param_count, update_c.param_count, insert.param_count) == (1, 2, 4)
    for _ in range(3):
        assert s.run_prepared(update_k, [4]) == OkResult(affected_rows=1)
    assert s.run_prepared(update_c, ["zz", 4]) == OkResult(affected_rows=1)
    assert s.run_prepared(delete, [4]) == OkResult(affected_rows=1)
    assert s.run_prepared(delete, [4]) == OkResult(affected_rows=0)
    assert s.run_prepared(insert, [4, 1, "c", "p"]) == OkResult(1, 4)
    assert sbtest.rows("SELECT k, c FROM sbtest1 WHERE id=4") == [(1, "c")]


def test_transaction_statements(sbtest: Client) -> None:
    sbtest.ok("BEGIN")
    assert sbtest.session.in_transaction
    sbtest.ok("UPDATE sbtest1 SET k=k+1 WHERE id=1")
    sbtest.ok("COMMIT")
    assert not sbtest.session.in_transaction
    assert sbtest.value("SELECT k FROM sbtest1 WHERE id=1") == 11


def test_bulk_insert_and_drop(client: Client) -> None:
    client.ok(SBTEST_DDL)
    rows = ",".join(f"({i}, '{'x' * 119}', '{'y' * 59}')" for i in range(2000))
    result = client.ok(f"INSERT INTO sbtest1(k, c, pad) VALUES{rows}")
    assert result.affected_rows == 2000
    assert result.last_insert_id == 1
    assert client.value("SELECT COUNT(*) FROM sbtest1") == 2000
    assert client.value("SELECT MAX(id) FROM sbtest1") == 2000
    client.ok("CREATE INDEX k_1 ON sbtest1(k)")
    client.ok("DROP TABLE IF EXISTS sbtest1")
    assert client.rows("SHOW TABLES") == []


def test_bulk_insert_is_atomic(sbtest: Client) -> None:
    before = sbtest.value("SELECT COUNT(*) FROM sbtest1")
    err = sbtest.error(
        "INSERT INTO sbtest1(id, k, c, pad) VALUES(100, 1, 'a', 'b'),(5, 1, 'a', 'b'),"
        "(101, 1, 'a', 'b')"
    )
    assert err.errno == 1062
    assert err.message == "Duplicate entry '5' for key 'sbtest1.PRIMARY'"
    assert sbtest.value("SELECT COUNT(*) FROM sbtest1") == before
