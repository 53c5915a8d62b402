"""One client connection's view of the database: parse, run, prepare, transactions.

Theory of operation
-------------------
``parse`` lexes the text (:mod:`edb_proxy.sql.lexer`), looks each statement's shape up in the
process-wide cache and, on a miss, compiles it (sqlglot + :mod:`edb_proxy.sql.compiler`).
``run`` binds the statement's literal values as SQLite parameters to the cached SQLite SQL.
Statements other than SELECT/INSERT/UPDATE/DELETE/REPLACE are *utility* statements
(:mod:`edb_proxy.sql.utility`), compiled on every use.

Transactions (isolation: serializable, one writer at a time; see docs/sql.md):

1. ``in_transaction`` is exactly "SQLite is not in autocommit mode" on this connection.
2. With ``autocommit=0`` the first statement that reads or writes opens a transaction.
3. A statement that could not get a lock raises :class:`EngineBusy` and has no effect; if
   this call opened the transaction, it is rolled back too.
4. A transaction whose snapshot is stale (another session committed after it read) can never
   write: it is rolled back and ER_LOCK_DEADLOCK (1213) is raised.
5. DDL commits an open transaction first (MySQL's implicit commit).
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, cast

import apsw

from edb_proxy.errors import ER, EngineBusy, SQLError, code_locations
from edb_proxy.fieldtypes import ColumnDef, Value
from edb_proxy.sql.api import OkResult, PreparedStatement, Result, ResultSet, Statement
from edb_proxy.sql.authz import Authorizer
from edb_proxy.sql.authz_ddl import guard_utility
from edb_proxy.sql.compiler import Plan, UnsafeTemplateError, check_template, compile_tree
from edb_proxy.sql.errormap import refine
from edb_proxy.sql.functions import register_functions
from edb_proxy.sql.infoschema import register_infoschema
from edb_proxy.sql.lexer import PARAM, Lexed, RowLayout, collapse_rows, lex, syntax_error
from edb_proxy.sql.metadata import finish_dynamic
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.processlist import Process
from edb_proxy.sql.show import field_list
from edb_proxy.sql.statements import ParsedStatement, PreparedHandle, head_word
from edb_proxy.sql.utility import Utility, plan_utility
from edb_proxy.sql.values import as_insert, bad_string, bind, bindable, check_text, too_deep
from edb_proxy.storage import StaleSnapshotError, schema_changes, translate_error

if TYPE_CHECKING:
    from edb_proxy.sql.database import Database

__all__ = ["MAX_SQL_BYTES", "Session"]

log = logging.getLogger(__name__)

#: Longest statement text accepted (sqlglot needs ~12 s for 1 MB; see docs/sql.md).
MAX_SQL_BYTES = 1024 * 1024

_DML = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "("})
_EXACT = object()


class Session:
    """Implements :class:`edb_proxy.sql.api.SessionAPI` for one client connection."""

    def __init__(
        self,
        db: Database,
        *,
        connection_id: int,
        user: str,
        client_found_rows: bool = False,
        enforce: bool | None = None,
    ) -> None:
        self._db = db
        self.connection_id = connection_id
        self.user = user
        self.database: str | None = None
        self._found_rows_flag = client_found_rows
        self._autocommit = True
        self._read_only_txn = False
        self._txn_wrote = False
        self._writer_hint = False
        self.last_insert_id = 0
        self.row_count = -1
        self.found_rows = 0
        self.upsert_changed = 0  # rows ON DUPLICATE KEY UPDATE changed (dml.py)
        self.write_base = 0  # total_changes() when the current write began (strict.py)
        self.variables: dict[str, object] = db.session_defaults()
        self.user_variables: dict[str, Value] = {}
        self.warnings: list[tuple[str, int, str]] = []
        self.in_init = False
        self.conn: apsw.Connection = db.open_engine_connection()
        register_functions(self.conn, self)
        register_infoschema(self.conn, self)
        self.process = Process(self)  # process list, KILL, time limits (processlist.py)
        if enforce is None:
            enforce = db.read_grants(user).exists
        self.authz = Authorizer(db, user, enforce=enforce)  # privileges (edb_proxy.sql.authz)
        self._cache = db.cache
        self._prepared: set[int] = set()

    # -- SessionAPI properties --------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return not self.conn.get_autocommit()

    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @property
    def client_found_rows(self) -> bool:
        return self._found_rows_flag

    # -- state read by edb_* functions ------------------------------------------------------

    def system_variable(self, name: str, scope: str) -> object:
        if name == "autocommit" and scope != "global":
            return int(self._autocommit)
        if name in ("warning_count", "error_count") and scope != "global":
            return sum(1 for w in self.warnings if (w[0] == "Error") == (name == "error_count"))
        if name in ("last_insert_id", "identity"):
            return self.last_insert_id
        if scope == "global":
            return self._db.global_variable(name)
        return self.variables.get(name, self._db.global_variable(name))

    def user_variable(self, name: str) -> object:
        return self.user_variables.get(name.lower())

    def utc_offset(self) -> datetime.timedelta | None:
        tz = str(self.variables.get("time_zone", "SYSTEM"))
        if tz.upper() == "SYSTEM":
            return None
        if tz.upper() == "UTC":
            return datetime.timedelta(0)
        sign = -1 if tz.startswith("-") else 1
        hours, minutes = tz[1:].split(":")
        return sign * datetime.timedelta(hours=int(hours), minutes=int(minutes))

    def server_version(self) -> str:
        return str(self._db.global_variable("version"))

    # -- parse ------------------------------------------------------------------------------

    def parse(self, sql: str, *, multi: bool) -> list[Statement]:
        try:
            return list(self._parse(sql, multi))
        except SQLError:
            raise
        except Exception as exc:  # noqa: BLE001 (the SQL layer's error boundary)
            raise self._unexpected(exc, "parse") from None

    def _parse(self, sql: str, multi: bool) -> list[ParsedStatement]:
        if len(sql) > MAX_SQL_BYTES // 4 and len(sql.encode("utf-8", "surrogatepass")) > (
            MAX_SQL_BYTES
        ):
            raise SQLError(
                ER.ER_PARSE_ERROR,
                f"Statement text longer than {MAX_SQL_BYTES} bytes is not accepted",
            )
        lexed = lex(sql)
        if not sql.isascii():
            check_text(lexed)
        if not lexed:
            raise SQLError(ER.ER_EMPTY_QUERY, "Query was empty")
        if len(lexed) > 1 and not multi:
            raise syntax_error(lexed[1].clean)
        out = []
        for i, lx in enumerate(lexed):
            st = self._statement(lx)
            if i == 0:
                st.plan = self._plan(st)
            out.append(st)
        return out

    def _statement(self, lx: Lexed) -> ParsedStatement:
        st = ParsedStatement(lx)
        if (
            len(lx.values) > 1
            and lx.parts[0][:1] in "iIrR"
            and head_word(lx)
            in (
                "INSERT",
                "REPLACE",
            )
        ):
            collapsed = collapse_rows(lx)
            if collapsed is not None:
                st.shape, st.layout = collapsed
        return st

    def _plan(self, st: ParsedStatement) -> Plan | Utility:
        shape = st.shape
        cache = self._cache
        entry = cache.get((self.database, self._found_rows_flag, shape.key))
        if entry is _EXACT:
            entry = cache.get((self.database, self._found_rows_flag, "\x00" + shape.clean))
        if type(entry) is Plan and entry.generation == self._db.catalog.generation:
            cache.hits += 1
            return entry
        head = head_word(shape)
        if head not in _DML:
            return guard_utility(self, shape, head, plan_utility(self, shape, head))
        return self._compile(shape, head)

    def _compile(self, shape: Lexed, head: str) -> Plan:
        cache = self._cache
        cache.parses += 1
        template = True
        text = shape.template()
        replace = head == "REPLACE"
        try:
            tree = parse_one(as_insert(text) if replace else text)
            if shape.values:
                check_template(tree)
        except (SQLError, UnsafeTemplateError):
            if not any(v is not PARAM for v in shape.values):
                raise
            template = False
        if not template:
            text = shape.exact()
            tree = parse_one(as_insert(text) if replace else text)
        if replace:
            tree.set("alternative", "REPLACE")
        catalog = self._db.catalog
        plan = compile_tree(
            tree,
            text=text,
            catalog=catalog,
            database=self.database,
            found_rows=self._found_rows_flag,
            template=template,
            slot_count=len(shape.values),
            authorize=self.authz.check,
        )
        if template:
            cache.put((self.database, self._found_rows_flag, shape.key), plan)
        else:
            cache.put((self.database, self._found_rows_flag, shape.key), _EXACT)
            cache.put((self.database, self._found_rows_flag, "\x00" + shape.clean), plan)
        return plan

    # -- run --------------------------------------------------------------------------------

    def run(self, stmt: Statement) -> Result:
        try:
            st = cast(ParsedStatement, stmt)
            return self.process.run(self._run, st, st.values)
        except SQLError:
            raise
        except Exception as exc:  # noqa: BLE001 (the SQL layer's error boundary)
            raise self._unexpected(exc, "run") from None

    def _run(self, st: ParsedStatement, values: list[object]) -> Result:
        plan = st.plan
        if plan is None or (type(plan) is Plan and plan.generation != self._db.catalog.generation):
            plan = st.plan = self._plan(st)
        self._db.questions += 1
        if type(plan) is not Plan:
            if self.warnings and not plan.keeps_warnings:  # type: ignore[union-attr]
                self.warnings = []
            return plan.run(self, values)  # type: ignore[union-attr]
        if self.warnings and plan.uses_tables:
            self.warnings = []
        return self.execute_plan(plan, values, st.layout)

    def execute_plan(
        self, plan: Plan, values: list[object], layout: RowLayout | None = None
    ) -> Result:
        """Run a compiled plan with the statement's slot values."""
        self.authz.check(plan.requirements)
        if self._read_only_txn and plan.kind != "query":
            raise SQLError(
                ER.ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION,
                "Cannot execute statement in a READ ONLY transaction.",
            )
        conn = self.conn
        began = False
        sources = plan.sources
        bindings: list[object] = values
        try:
            if not self._autocommit and plan.uses_tables and conn.get_autocommit():
                conn.execute(self._begin_sql(plan.kind != "query"))
                began = True
            if plan.kind == "query":
                if sources is not None:
                    bindings = bind(sources, values)
                rows = conn.execute(plan.sql, bindings).fetchall()
                convs = plan.converters
                if convs is not None:
                    rows = [
                        tuple([v if c is None else c(v) for c, v in zip(convs, row, strict=True)])
                        for row in rows
                    ]
                columns = plan.columns
                if plan.dynamic:
                    columns = tuple(finish_dynamic(columns, plan.dynamic, rows))
                self.found_rows = len(rows)
                self.row_count = -1
                return ResultSet(columns, rows, warnings=len(self.warnings))
            self._txn_wrote = True  # this session writes (see _begin_sql)
            self.upsert_changed = 0
            self.write_base = conn.total_changes()
            if layout is not None:
                return self._run_rows(plan, layout.bindings(values))
            if sources is not None:
                bindings = bind(sources, values)
            conn.execute(plan.sql, bindings)
            return self._write_result(plan, [bindings], conn.changes())
        except apsw.Error as exc:
            raise self._engine_failure(exc, plan, [bindings], began) from None

    def _run_rows(self, plan: Plan, rows: list[list[object]]) -> Result:
        conn = self.conn
        sets = [r if plan.sources is None else bind(plan.sources, r) for r in rows]
        before = conn.total_changes()
        conn.execute("SAVEPOINT edb_statement")
        try:
            conn.executemany(plan.sql, sets)
        except apsw.Error as exc:
            err = self._engine_failure(exc, plan, sets, False, rollback_statement=True)
            raise err from None
        except SQLError:  # raised by an edb_* function (strict.py): undo the whole statement
            conn.execute("ROLLBACK TO edb_statement")
            conn.execute("RELEASE edb_statement")
            raise
        conn.execute("RELEASE edb_statement")
        return self._write_result(plan, sets, conn.total_changes() - before)

    def _write_result(self, plan: Plan, sets: list[list[object]], changes: int) -> OkResult:
        changes += self.upsert_changed  # an upsert's changed row counts 2 (dml.py)
        self.row_count = changes
        insert_id = 0
        if plan.kind == "insert" and plan.has_autoinc and changes > 0:
            last = self.conn.last_insert_rowid()
            if plan.autoinc_pos is None:
                insert_id = last - changes + 1
                self.last_insert_id = insert_id
            else:
                insert_id = last
                cells = plan.extra.get("cells")
                if isinstance(cells, list) and len(sets) == 1 and len(cells) == 1:
                    index = cells[0][plan.autoinc_pos]
                    if index is None or sets[0][index] in (None, 0):
                        self.last_insert_id = last
        return OkResult(
            affected_rows=changes, last_insert_id=insert_id, warnings=len(self.warnings)
        )

    def _engine_failure(
        self,
        exc: apsw.Error,
        plan: Plan,
        sets: list[list[object]],
        began: bool,
        *,
        rollback_statement: bool = False,
    ) -> SQLError:
        err = translate_error(exc)
        if rollback_statement and not self.conn.get_autocommit():
            try:
                self.conn.execute("ROLLBACK TO edb_statement")
                self.conn.execute("RELEASE edb_statement")
            except apsw.Error:
                pass
        if isinstance(err, StaleSnapshotError):
            self.rollback_quietly()
            return SQLError(err.kind, err.message)
        if isinstance(err, EngineBusy):
            if began:
                self.rollback_quietly()
            return err
        return refine(err, plan, sets, self.conn)

    # -- transactions -----------------------------------------------------------------------

    def _begin_sql(self, writes: bool = False) -> str:
        """``BEGIN IMMEDIATE`` when this transaction will probably write, else ``BEGIN``.

        A deferred transaction that reads first and writes later can never upgrade once
        another session committed after its read (1213). So when the session's previous
        transaction wrote (or the first statement is a write), the write lock is taken at
        BEGIN: a conflict is then an :class:`EngineBusy` with no effect that the server
        retries, instead of a deadlock the client must retry.
        """
        return "BEGIN IMMEDIATE" if writes or self._writer_hint else "BEGIN"

    def _end_transaction(self) -> None:
        """Remember whether the transaction that just ended tried to write."""
        self._writer_hint = self._txn_wrote
        self._txn_wrote = False
        self._read_only_txn = False

    def begin(self, *, snapshot: bool = False, read_only: bool = False) -> None:
        """BEGIN: commit an open transaction, then open a new one.

        ``read_only`` (START TRANSACTION READ ONLY): writes fail with 1792 until it ends.
        """
        self.commit()
        self._exec("BEGIN" if read_only else self._begin_sql())
        self._read_only_txn = read_only
        if snapshot:
            self._exec("SELECT 1 FROM edb_meta LIMIT 1")

    def commit(self) -> None:
        if self.in_init:
            return
        if not self.conn.get_autocommit():
            self._exec("COMMIT")
            self._end_transaction()

    def rollback(self) -> None:
        if not self.conn.get_autocommit():
            self._exec("ROLLBACK")
            self._end_transaction()

    def rollback_quietly(self) -> None:
        try:
            if not self.conn.get_autocommit():
                self.conn.execute("ROLLBACK")
                self._end_transaction()
        except apsw.Error:
            log.warning("rollback failed on connection %d", self.connection_id)

    def set_autocommit(self, on: bool) -> None:
        if on and not self._autocommit:
            self.commit()
        self._autocommit = on

    def _exec(self, sql: str) -> None:
        try:
            self.conn.execute(sql).fetchall()
        except apsw.Error as exc:
            err = translate_error(exc)
            if isinstance(err, StaleSnapshotError):
                self.rollback_quietly()
            raise (
                err if isinstance(err, EngineBusy) else SQLError(err.kind, err.message)
            ) from None

    def run_write(self, work: Callable[[apsw.Connection], object]) -> object:
        """Run DDL/account changes in their own write transaction (after an implicit commit).

        During ``Database.initialize`` everything runs in the one manifest transaction.
        """
        if self.in_init:
            try:
                with schema_changes(self.conn):
                    result = work(self.conn)
            except apsw.Error as exc:
                err = translate_error(exc)
                raise SQLError(err.kind, err.message) from None
            self._db.reload_catalog(self.conn)
            return result
        self.commit()
        self._exec("BEGIN IMMEDIATE")
        try:
            with schema_changes(self.conn):
                result = work(self.conn)
            self._exec("COMMIT")
        except apsw.Error as exc:
            self.rollback_quietly()
            self._db.reload_catalog()
            err = translate_error(exc)
            raise SQLError(err.kind, err.message) from None
        except BaseException:
            self.rollback_quietly()
            self._db.reload_catalog()
            raise
        self._db.reload_catalog()
        return result

    # -- prepared statements ----------------------------------------------------------------

    def prepare(self, sql: str) -> PreparedStatement:
        try:
            statements = self._parse(sql, multi=False)
            st = statements[0]
            plan = st.plan
            columns: Sequence[ColumnDef] = ()
            if type(plan) is Plan and plan.kind == "query" and not plan.dynamic:
                columns = plan.columns
            handle = PreparedHandle(st, columns)
            if handle.param_count > 32766:
                raise SQLError(
                    ER.ER_PS_MANY_PARAM, "Prepared statement contains too many placeholders"
                )
            self._prepared.add(id(handle))
            return handle
        except SQLError:
            raise
        except Exception as exc:  # noqa: BLE001 (the SQL layer's error boundary)
            raise self._unexpected(exc, "prepare") from None

    def run_prepared(self, stmt: PreparedStatement, params: Sequence[Value]) -> Result:
        try:
            handle = cast(PreparedHandle, stmt)
            if len(params) != handle.param_count:
                raise SQLError(ER.ER_WRONG_ARGUMENTS, "Incorrect arguments to mysqld_stmt_execute")
            values = list(handle.stmt.values)
            for pos, value in zip(handle.positions, params, strict=True):
                values[pos] = bindable(value)
            return self.process.run(self._run, handle.stmt, values)
        except SQLError:
            raise
        except Exception as exc:  # noqa: BLE001 (the SQL layer's error boundary)
            raise self._unexpected(exc, "run_prepared") from None

    def close_prepared(self, stmt: PreparedStatement) -> None:
        self._prepared.discard(id(stmt))

    # -- misc SessionAPI --------------------------------------------------------------------

    def use(self, database: str) -> None:
        self.authz.require_any(database)  # 1044 before existence (no oracle)
        if not self._db.catalog.has_database(database):
            raise SQLError(ER.ER_BAD_DB_ERROR, f"Unknown database '{database}'")
        self.database = database.lower()

    def field_list(self, table: str, wildcard: str) -> list[ColumnDef]:
        return field_list(self, table, wildcard)

    def reset(self) -> None:
        self.rollback_quietly()
        self._autocommit = True
        self.variables = self._db.session_defaults()
        self.conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FKEY, 1)  # FOREIGN_KEY_CHECKS=1
        self.user_variables.clear()
        self._prepared.clear()
        self.warnings = []
        self.last_insert_id = 0

    def close(self) -> None:
        self._db.processes.remove(self.process)
        try:
            self.rollback_quietly()
            self.conn.close()
        except Exception:  # noqa: BLE001 (close never raises)
            log.warning("close failed on connection %d", self.connection_id)

    # -- helpers ----------------------------------------------------------------------------

    @property
    def db(self) -> Database:
        return self._db

    def warn(self, level: str, code: int, message: str) -> None:
        self.warnings.append((level, code, message))

    def _unexpected(self, exc: Exception, where: str) -> SQLError:
        """Map an exception that escaped the SQL layer's own checks to a client error.

        Deep nesting and undecodable text have MySQL codes; anything else is a bug and becomes
        ER_INTERNAL_ERROR with a correlation id. The log names the exception type and the code
        locations only: exception messages may quote user data.
        """
        if isinstance(exc, RecursionError):
            return too_deep()
        if isinstance(exc, UnicodeError):
            return bad_string()
        return self._internal(where, exc)

    def _internal(self, where: str, exc: BaseException | None = None) -> SQLError:
        cid = secrets.token_hex(4)
        frames = code_locations(exc) if exc is not None else ""
        log.error(
            "internal error %s in %s (connection %d): %s at %s",
            cid,
            where,
            self.connection_id,
            type(exc).__name__ if exc else "-",
            frames,
        )
        return SQLError(ER.ER_INTERNAL_ERROR, f"internal error (id {cid})")
