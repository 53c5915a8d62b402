"""Load and run the statement corpus (``tests/corpus/cases/*.sqltest``).

The file format is documented in ``tests/corpus/README.md``. This module is shared by the pytest
runner (``test_corpus.py``), the differential against MariaDB (``tools/corpus_diff.py``) and the
known-failures generator (``tools/corpus_known_failures.py``).

Invariants:
1. A case runs in a freshly created database (the case file's database, dropped and created
   again before each case), so cases are independent of each other and of their order.
2. Every ``>`` statement has exactly one expectation; a case passes only if every statement's
   actual outcome, rendered as text, equals its expectation.
3. Values are compared as text: ``NULL`` for SQL NULL, quoted ``'...'`` when the text would be
   ambiguous, ``0x..`` for bytes that are not printable UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pymysql
from pymysql.constants import FIELD_TYPE

__all__ = [
    "CASES_DIR",
    "KNOWN_FAILURES",
    "PASSWORD",
    "Case",
    "CaseOutcome",
    "Connector",
    "CorpusSyntaxError",
    "Step",
    "count_statements",
    "database_name",
    "drop_corpus_databases",
    "load_corpus",
    "load_file",
    "read_known_failures",
    "render_value",
    "run_case",
]

CORPUS_DIR = Path(__file__).resolve().parent
CASES_DIR = CORPUS_DIR / "cases"
KNOWN_FAILURES = CORPUS_DIR / "known_failures.txt"
#: Password of every account a case creates (``CREATE USER bob IDENTIFIED BY 'Corpus-Pw-1'``).
PASSWORD = "Corpus-Pw-1"

TYPE_NAMES: dict[int, str] = {
    code: name
    for name, code in vars(FIELD_TYPE).items()
    if name.isupper() and name not in {"CHAR", "INTERVAL"}
}
KNOWN_TYPES = frozenset(TYPE_NAMES.values())


@dataclass(frozen=True)
class Expect:
    """What one statement must produce."""

    kind: str  # "ok", "error" or "rows"
    affected: int | None = None
    insert_id: int | None = None
    warnings: int | None = None
    errno: int = 0
    sqlstate: str | None = None
    message: str | None = None
    columns: tuple[tuple[str, str | None], ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Step:
    sql: str
    user: str | None
    expect: Expect
    line: int


@dataclass
class Case:
    file: str
    name: str
    source: str
    line: int
    setup: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    teardown: list[str] = field(default_factory=list)
    differs: str | None = None  # "mariadb: reason" when MySQL 8 and MariaDB 10.11 differ

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    def statements(self) -> int:
        return len(self.setup) + len(self.steps) + len(self.teardown)


class CorpusSyntaxError(Exception):
    """A corpus file does not follow the format in README.md."""


_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_OK = re.compile(r"^ok(?:\s+(\d+))?((?:\s+(?:id|warnings)=\d+)*)\s*$")
_ERROR = re.compile(r"^error\s+(\d+)(?:\s+([0-9A-Z]{5}))?(?:\s*:\s?(.*))?$")
_USER_PREFIX = re.compile(r"^\[([A-Za-z0-9_]+)\]\s*(.*)$")


def _cells(line: str) -> list[str]:
    body = line.strip()
    if not (body.startswith("|") and body.endswith("|")) or len(body) < 2:
        raise CorpusSyntaxError(f"table line must start and end with '|': {line!r}")
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(body[1:-1])]


def _header(line: str) -> tuple[tuple[str, str | None], ...]:
    columns: list[tuple[str, str | None]] = []
    for cell in _cells(line):
        name, _, last = cell.rpartition(" :")
        name = name.strip()
        if name and last in KNOWN_TYPES:
            columns.append(("" if name == "''" else name, last))
        else:
            columns.append((cell, None))
    return tuple(columns)


def _parse_expect(lines: list[tuple[int, str]]) -> Expect:
    if not lines:
        raise CorpusSyntaxError("a statement has no expectation")
    lineno, first = lines[0]
    if first.startswith("|"):
        columns = _header(first)
        rows = []
        for n, text in lines[1:]:
            cells = _cells(text)
            if len(cells) != len(columns):
                raise CorpusSyntaxError(f"line {n}: {len(cells)} cells for {len(columns)} cols")
            rows.append(tuple(cells))
        return Expect("rows", columns=columns, rows=tuple(rows))
    if len(lines) != 1:
        raise CorpusSyntaxError(f"line {lineno}: extra lines after {first!r}")
    if m := _OK.match(first):
        opts = dict(o.split("=") for o in m.group(2).split())
        return Expect(
            "ok",
            affected=int(m.group(1)) if m.group(1) else None,
            insert_id=int(opts["id"]) if "id" in opts else None,
            warnings=int(opts["warnings"]) if "warnings" in opts else None,
        )
    if m := _ERROR.match(first):
        return Expect("error", errno=int(m.group(1)), sqlstate=m.group(2), message=m.group(3))
    raise CorpusSyntaxError(f"line {lineno}: not an expectation: {first!r}")


def load_file(path: Path) -> list[Case]:
    """Parse one ``.sqltest`` file into its cases."""
    stem = path.stem
    source = ""
    cases: list[Case] = []
    case: Case | None = None
    pending: tuple[int, str, str | None] | None = None
    expect_lines: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal pending, expect_lines
        if pending is not None:
            assert case is not None
            lineno, sql, user = pending
            try:
                expect = _parse_expect(expect_lines)
            except CorpusSyntaxError as exc:
                raise CorpusSyntaxError(f"{path.name}:{lineno}: {exc}") from None
            case.steps.append(Step(sql, user, expect, lineno))
        pending, expect_lines = None, []

    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("@source "):
            flush()
            source = line[len("@source ") :].strip()
        elif line.startswith("=== "):
            flush()
            if not source:
                raise CorpusSyntaxError(f"{path.name}:{lineno}: case before any @source")
            case = Case(stem, line[4:].strip(), source, lineno)
            if any(c.name == case.name for c in cases):
                raise CorpusSyntaxError(f"{path.name}:{lineno}: duplicate case {case.name}")
            cases.append(case)
        elif case is None:
            raise CorpusSyntaxError(f"{path.name}:{lineno}: text outside a case")
        elif line.startswith("@differs "):
            case.differs = line[len("@differs ") :].strip()
        elif line.startswith("> "):
            flush()
            sql = line[2:].strip()
            user = None
            if m := _USER_PREFIX.match(sql):
                user, sql = m.group(1), m.group(2)
            pending = (lineno, sql, user)
        elif line.startswith("~ "):
            flush()
            case.teardown.append(line[2:].strip())
        elif pending is not None:
            expect_lines.append((lineno, line.strip()))
        elif case.steps:
            raise CorpusSyntaxError(f"{path.name}:{lineno}: setup after the first statement")
        else:
            case.setup.append(line.strip())
    flush()
    for c in cases:
        if not c.steps:
            raise CorpusSyntaxError(f"{path.name}: case {c.name} has no statement")
    return cases


def load_corpus(directory: Path = CASES_DIR) -> list[Case]:
    """All cases of all ``*.sqltest`` files, in file then line order."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.sqltest")):
        cases.extend(load_file(path))
    return cases


def count_statements(cases: list[Case]) -> int:
    return sum(c.statements() for c in cases)


def read_known_failures(path: Path = KNOWN_FAILURES) -> dict[str, str]:
    """``case id -> reason category`` from the checked-in list (``id<TAB>category: detail``)."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        case_id, _, reason = line.partition("\t")
        out[case_id.strip()] = reason.strip()
    return out


def database_name(case: Case) -> str:
    return "corpus_" + re.sub(r"[^a-z0-9_]", "_", case.file.lower())


_PLAIN = re.compile(r"^[^\s'|\\][^|\\\n\r\t]*(?<=\S)$|^[^\s'|\\]$")


def render_value(value: Any) -> str:
    """The corpus text form of a value read with PyMySQL's conversions switched off."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + bytes(value).hex().upper()
        if not text.isprintable():
            return "0x" + bytes(value).hex().upper()
        value = text
    text = str(value)
    if text != "NULL" and not text.startswith("0x") and _PLAIN.match(text):
        return text
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return "'" + escaped.replace("\t", "\\t").replace("|", "\\|") + "'"


def _expected_cell(cell: str) -> str:
    # The README lets a quoted cell contain '|' unescaped once split; normalize to render form.
    if cell.startswith("'") and cell.endswith("'") and len(cell) >= 2:
        return cell.replace("|", "\\|") if "\\|" not in cell else cell
    return cell


if TYPE_CHECKING:
    Conn = pymysql.connections.Connection[Any]
else:
    Conn = pymysql.connections.Connection
#: ``connect(user, password, database) -> connection``; user None means the admin account.
Connector = Callable[[str | None, str, str | None], Conn]


@dataclass
class CaseOutcome:
    case: Case
    mismatches: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.mismatches

    def category(self) -> str:
        """A short failure category derived from the first mismatch (see README.md)."""
        if not self.mismatches:
            return "pass"
        kind, _, detail = self.mismatches[0].partition(":")
        got = _GOT_ERRNO.get(kind)
        match = got.search(detail) if got else None
        if match and match.group(1) in _ERRNO_CATEGORY:
            return _ERRNO_CATEGORY[match.group(1)]
        return _KIND_CATEGORY.get(kind, kind)


_GOT_ERRNO = {
    "unexpected-error": re.compile(r"^\s*(\d+) "),
    "wrong-errno": re.compile(r"^\s*expected \d+, got (\d+) "),
    "setup-failed": re.compile(r": (\d+) (?!.*: \d+ )"),
}
_ERRNO_CATEGORY = {
    "1235": "not-supported-1235",
    "1305": "unknown-function-1305",
    "1064": "syntax-error-1064",
    "1815": "internal-error-1815",
}
_KIND_CATEGORY = {
    "wrong-rows": "wrong-result",
    "wrong-type": "metadata",
    "wrong-columns": "metadata",
    "wrong-affected-rows": "ok-packet",
    "wrong-insert-id": "ok-packet",
    "wrong-warnings": "ok-packet",
    "missing-error": "error-semantics",
    "wrong-errno": "error-semantics",
    "wrong-message": "error-semantics",
    "wrong-sqlstate": "error-semantics",
    "unexpected-error": "unexpected-error",
}


def _describe_error(exc: pymysql.err.MySQLError) -> tuple[int, str, str | None]:
    args = exc.args
    errno = args[0] if args and isinstance(args[0], int) else -1
    message = str(args[1]) if len(args) > 1 else str(exc)
    return errno, message, getattr(exc, "sqlstate", None)


_original_raise = pymysql.err.raise_mysql_exception


def _raise_with_sqlstate(data: bytes | bytearray) -> NoReturn:
    """PyMySQL drops the SQLSTATE of an ERR packet; keep it on the exception as ``sqlstate``."""
    try:
        _original_raise(data)
    except pymysql.err.MySQLError as exc:
        if len(data) >= 9 and data[3:4] == b"#":
            exc.sqlstate = bytes(data[4:9]).decode("ascii", "replace")  # type: ignore[attr-defined]
        raise
    raise AssertionError("raise_mysql_exception returned")  # pragma: no cover


pymysql.err.raise_mysql_exception = _raise_with_sqlstate


ErrorInfo = tuple[int, str, str | None]


def _check(step: Step, cur: pymysql.cursors.Cursor, error: ErrorInfo | None) -> str | None:
    """Compare one statement's outcome with its expectation; return a mismatch or None."""
    exp = step.expect
    if error is not None:
        errno, message, sqlstate = error
        if exp.kind != "error":
            return f"unexpected-error: {errno} {message}"
        if errno != exp.errno:
            return f"wrong-errno: expected {exp.errno}, got {errno} {message}"
        if exp.sqlstate is not None and sqlstate != exp.sqlstate:
            return f"wrong-sqlstate: expected {exp.sqlstate}, got {sqlstate}"
        if exp.message is not None and message != exp.message:
            return f"wrong-message: expected {exp.message!r}, got {message!r}"
        return None
    if exp.kind == "error":
        return f"missing-error: expected {exp.errno}, statement succeeded"
    description: Any = cur.description  # None for statements without a result set
    if description is None:
        if exp.kind == "rows":
            return "missing-result-set: statement returned OK"
        got_aff = cur.rowcount
        if exp.affected is not None and got_aff != exp.affected:
            return f"wrong-affected-rows: expected {exp.affected}, got {got_aff}"
        if exp.insert_id is not None and cur.lastrowid != exp.insert_id:
            return f"wrong-insert-id: expected {exp.insert_id}, got {cur.lastrowid}"
        result: Any = getattr(cur, "_result", None)  # PyMySQL exposes warning_count only here
        got_warn = int(result.warning_count) if result is not None else 0
        if exp.warnings is not None and got_warn != exp.warnings:
            return f"wrong-warnings: expected {exp.warnings}, got {got_warn}"
        return None
    rows = cur.fetchall()
    if exp.kind == "ok":
        return f"unexpected-result-set: {len(rows)} rows"
    names = [d[0] for d in description]
    types = [TYPE_NAMES.get(int(d[1]), str(d[1])) for d in description]
    exp_names = [c[0] for c in exp.columns]
    if names != exp_names:
        return f"wrong-columns: expected {exp_names}, got {names}"
    for (name, exp_type), got_type in zip(exp.columns, types, strict=True):
        if exp_type is not None and exp_type != got_type:
            return f"wrong-type: column {name}: expected {exp_type}, got {got_type}"
    got_rows = [tuple(render_value(v) for v in row) for row in rows]
    want_rows = [tuple(_expected_cell(c) for c in row) for row in exp.rows]
    if got_rows != want_rows:
        return f"wrong-rows: expected {want_rows[:6]}, got {got_rows[:6]}"
    return None


def _execute(conn: Conn, sql: str) -> tuple[pymysql.cursors.Cursor, ErrorInfo | None]:
    cur = conn.cursor()
    try:
        cur.execute(sql)
    except pymysql.err.MySQLError as exc:
        return cur, _describe_error(exc)
    return cur, None


def run_case(case: Case, connect: Connector) -> CaseOutcome:
    """Run one case in a fresh database; every statement is checked (see invariant 2)."""
    outcome = CaseOutcome(case)
    db = database_name(case)
    admin = connect(None, "", None)
    conns: dict[str | None, Conn] = {}
    try:
        for sql in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}", f"USE {db}"):
            _cur, err = _execute(admin, sql)
            if err is not None:
                outcome.mismatches.append(f"harness: {sql}: {err[0]} {err[1]}")
                return outcome
        conns[None] = admin
        for sql in case.setup:
            _cur, err = _execute(admin, sql)
            if err is not None:
                outcome.mismatches.append(f"setup-failed: {sql[:60]}: {err[0]} {err[1]}")
                return outcome
        for step in case.steps:
            if step.user not in conns:
                try:
                    conns[step.user] = connect(step.user, PASSWORD, db)
                except pymysql.err.MySQLError as exc:
                    errno, message, _state = _describe_error(exc)
                    conns[step.user] = admin  # placeholder; report and stop
                    outcome.mismatches.append(f"connect-failed: {step.user}: {errno} {message}")
                    return outcome
            cur, err = _execute(conns[step.user], step.sql)
            try:
                mismatch = _check(step, cur, err)
            finally:
                cur.close()
            if mismatch is not None:
                outcome.mismatches.append(f"{mismatch} [line {step.line}: {step.sql[:80]}]")
    finally:
        for user, conn in conns.items():
            if user is not None and conn is not admin:
                _close(conn)
        # The case's database is left for the next case of the file to drop and re-create (one
        # DDL less per case); drop_corpus_databases() removes them all at the end of a run.
        for sql in case.teardown:
            try:
                _execute(admin, sql)
            except pymysql.err.Error:
                break
        _close(admin)
    return outcome


def drop_corpus_databases(connect: Connector) -> list[str]:
    """Drop every ``corpus_%`` database (end of a run); return their names."""
    admin = connect(None, "", None)
    try:
        cur, err = _execute(admin, "SHOW DATABASES LIKE 'corpus\\_%'")
        names = [] if err else [str(row[0]) for row in cur.fetchall()]
        for name in names:
            _execute(admin, f"DROP DATABASE IF EXISTS `{name}`")
        return names
    finally:
        _close(admin)


def _close(conn: Conn) -> None:
    try:
        conn.close()
    except pymysql.err.Error:
        pass
