"""The ``edb_ci`` collation (case- and accent-insensitive, PAD SPACE) on session connections."""

from __future__ import annotations

import apsw
import pytest

from edb_proxy.sql.collation import compare, register_collations, sort_key
from tests.unit.sql.helpers import Client

EQUAL = [
    ("a", "A"),
    ("\u00e9t\u00e9", "\u00c9T\u00c9"),
    ("\u00e9", "e"),
    ("stra\u00dfe", "STRASSE"),
    ("\u03a3\u03b9\u03c3", "\u03c3\u03b9\u03c3"),
    ("abc", "abc   "),
    ("\u00c5ngstr\u00f6m", "angstrom"),
    ("", "  "),
]
ORDERED = [
    ("a", "b"),
    ("A", "b"),
    ("a", "B"),
    ("abc", "abcd"),
    ("\u00e9a", "eb"),
    ("Z", "\u00e1\u00e1\u00e1z"[::-1]),
]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_under_edb_ci(a: str, b: str) -> None:
    assert compare(a, b) == 0
    assert sort_key(a) == sort_key(b)


@pytest.mark.parametrize(("a", "b"), ORDERED)
def test_order_under_edb_ci(a: str, b: str) -> None:
    assert compare(a, b) == -1
    assert compare(b, a) == 1


def test_session_connections_have_edb_ci(client: Client) -> None:
    conn = client.session.conn
    rows = conn.execute(
        "SELECT 'Caf\u00c9 ' = 'cafe' COLLATE edb_ci, 'a' = 'b' COLLATE edb_ci"
    ).fetchall()
    assert rows == [(1, 0)]


def test_unique_index_and_group_by_on_edb_ci_column() -> None:
    """A UNIQUE key on an edb_ci column refuses values equal under the collation."""
    conn = apsw.Connection(":memory:")
    register_collations(conn)
    conn.execute("CREATE TABLE names (n TEXT COLLATE edb_ci UNIQUE)")
    conn.execute("INSERT INTO names VALUES ('\u00c9mile')")
    with pytest.raises(apsw.ConstraintError):
        conn.execute("INSERT INTO names VALUES ('emile ')")
    conn.execute("INSERT INTO names VALUES ('Zo\u00eb'), ('zoe2'), ('adam')")
    assert [r[0] for r in conn.execute("SELECT n FROM names ORDER BY n")] == [
        "adam",
        "\u00c9mile",
        "Zo\u00eb",
        "zoe2",
    ]
    groups = conn.execute(
        "SELECT COUNT(*) FROM (SELECT 'x' AS v UNION ALL SELECT 'X' UNION ALL SELECT 'y')"
        " GROUP BY v COLLATE edb_ci"
    ).fetchall()
    assert sorted(groups) == [(1,), (2,)]
