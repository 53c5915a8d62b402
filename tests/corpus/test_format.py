"""The corpus file format and value rendering (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.corpus import CorpusSyntaxError, load_file, render_value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "NULL"),
        ("NULL", "'NULL'"),
        ("", "''"),
        ("a b", "a b"),
        (" a", "' a'"),
        ("a|b", "'a\\|b'"),
        ("it's", "it's"),
        ("'q'", "'\\'q\\''"),
        ("a\nb", "'a\\nb'"),
        ("back\\slash", "'back\\\\slash'"),
        (b"abc", "abc"),
        (b"\x00\xff", "0x00FF"),
        ("0x41", "'0x41'"),
        ("-1.50", "-1.50"),
    ],
)
def test_render_value(value: object, text: str) -> None:
    assert render_value(value) == text


def test_parse_case(tmp_path: Path) -> None:
    path = tmp_path / "sample.sqltest"
    path.write_text(
        "@source manual 1.2\n"
        "=== one\n"
        "@differs mariadb: because\n"
        "CREATE TABLE t (a INT)\n"
        "> SELECT a, 'x\\|y' AS `p|q` FROM t\n"
        "| a :LONG | p\\|q |\n"
        "| 1 | 'x\\|y' |\n"
        "> [bob] INSERT INTO t VALUES (1)\n"
        "error 1142 42000: denied\n"
        "> DELETE FROM t\n"
        "ok 1 id=0 warnings=2\n"
        "~ DROP USER IF EXISTS bob\n"
    )
    (case,) = load_file(path)
    assert case.id == "sample::one" and case.differs == "mariadb: because"
    assert case.setup == ["CREATE TABLE t (a INT)"] and case.statements() == 5
    select, insert, delete = case.steps
    assert select.expect.columns == (("a", "LONG"), ("p|q", None))
    assert select.expect.rows == (("1", "'x|y'"),)
    assert insert.user == "bob" and insert.expect.errno == 1142
    assert insert.expect.sqlstate == "42000" and insert.expect.message == "denied"
    assert (delete.expect.affected, delete.expect.insert_id, delete.expect.warnings) == (1, 0, 2)


@pytest.mark.parametrize(
    "body",
    [
        "=== a\n> SELECT 1\n| 1 |\n",  # case before any @source
        "@source s\n=== a\n> SELECT 1\n",  # statement without expectation
        "@source s\n=== a\n> SELECT 1\nmaybe\n",  # not an expectation
        "@source s\n=== a\n> SELECT 1\n| 1 |\n| 1 | 2 |\n",  # row wider than header
        "@source s\n=== a\n> SELECT 1\nok\n=== a\n> SELECT 1\nok\n",  # duplicate name
        "@source s\n=== a\nCREATE TABLE t (a INT)\n",  # case without statement
    ],
)
def test_malformed_files_are_rejected(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.sqltest"
    path.write_text(body)
    with pytest.raises(CorpusSyntaxError):
        load_file(path)
