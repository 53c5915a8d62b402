"""SQL-layer CPU per cached point select (a measurement; deselected by default: ``-m soak``).

Run: ``.venv/bin/python -m pytest tests/unit/sql/test_perf.py -m soak -s``. It prints the
time per ``parse + run`` of ``SELECT c FROM sbtest1 WHERE id=<n>`` on a 10,000-row table, the
time per ``run_prepared``, and the raw APSW time of the same SQLite statement; the SQL layer's
own cost is the difference.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from edb_proxy.sql import Database
from tests.unit.sql.helpers import SBTEST_DDL, Client


def _per_call(fn, n: int = 20_000) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for i in range(n):
            fn(i % 10_000 + 1)
        samples.append((time.perf_counter() - start) / n)
    return statistics.median(samples) * 1e6


@pytest.mark.soak
def test_cached_point_select_cost(tmp_path: Path) -> None:
    db = Database(tmp_path / "perf.db")
    db.initialize(["CREATE DATABASE sbtest"])
    session = db.session(connection_id=1, user="root")
    session.use("sbtest")
    c = Client(session)
    c.ok(SBTEST_DDL)
    for _ in range(10):
        rows = ",".join(f"({i}, '{'x' * 119}', '{'y' * 59}')" for i in range(1000))
        c.ok(f"INSERT INTO sbtest1(k, c, pad) VALUES{rows}")
    parse, run = session.parse, session.run
    text = _per_call(lambda i: run(parse(f"SELECT c FROM sbtest1 WHERE id={i}", multi=False)[0]))
    stmt = session.prepare("SELECT c FROM sbtest1 WHERE id=?")
    prepared = _per_call(lambda i: session.run_prepared(stmt, [i]))
    conn = session.conn
    sql = 'SELECT c FROM "sbtest.sbtest1" AS "sbtest1" WHERE id = ?1'
    raw = _per_call(lambda i: conn.execute(sql, (i,)).fetchall())
    stats = db.statement_cache_stats()
    print(
        f"\nparse+run {text:.1f} us, run_prepared {prepared:.1f} us, raw apsw {raw:.1f} us;"
        f" SQL layer {text - raw:.1f} us (text), {prepared - raw:.1f} us (prepared); {stats}"
    )
    assert stats["parses"] <= 3
    assert text - raw < 40
    session.close()
    db.close()
