"""The process list, KILL, and statement time limits.

Theory of operation
-------------------
Every client session owns a :class:`Process` (its row in ``SHOW PROCESSLIST``); the
:class:`ProcessList` on the :class:`~edb_proxy.sql.database.Database` registers the sessions
the server opened (``Database.session``). ``Session.run``/``run_prepared`` go through
:meth:`Process.run`, which marks the statement running (command ``Query``, its text as
``Info``, a start time), arms the statement deadline and maps an interrupted statement to the
right error.

SQLite runs on the server's single event-loop thread, so while one session runs KILL no other
statement is inside SQLite. Another session's statement is "running" at that moment only when
it waits for a lock: it raised :class:`~edb_proxy.errors.EngineBusy` and the server will retry
it (``Process.waiting``). ``KILL QUERY`` marks such a statement interrupted: its next attempt
fails with 1317 ER_QUERY_INTERRUPTED instead of running. ``KILL [CONNECTION]`` also marks the
process killed and calls the server's ``on_kill`` callback, which closes the connection after
its current command (at once when it is idle).

Time limits: a progress handler on each session connection compares ``time.monotonic()`` with
the statement's deadline every :data:`PROGRESS_STEPS` virtual-machine steps and interrupts
SQLite past it. The deadline is the smaller of ``@@max_execution_time`` (milliseconds, SELECT
statements only, 0 = none, counted from the statement's start including lock waits, as in
MySQL) and the server-wide hard cap ``@@edb_max_statement_time`` (seconds, every statement,
counted per attempt; default :data:`DEFAULT_MAX_STATEMENT_TIME`), which keeps one statement
from stalling every connection of the event loop (waiting for a lock between attempts stalls
nothing). A statement stopped by either fails with 3024 ER_QUERY_TIMEOUT.

Invariants
1. A statement's text (``Info``) is shown to its own user or to users holding PROCESS (or
   SUPER / ALL at the global level); without that privilege a user sees only its own
   processes, as in MySQL. Statements that may carry a password show their literals as
   ``?``. The text is never logged.
2. Killing a process of another user needs PROCESS or SUPER at the global level (the
   authorization layer's ``check_kill``; 1095 otherwise); an unknown id is 1094.
3. The deadline is infinite between statements, so the SQL layer's own bookkeeping
   statements are never interrupted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

import apsw

from edb_proxy.errors import ER, EngineBusy, SQLError
from edb_proxy.sql.api import OkResult
from edb_proxy.sql.reader import TokenReader
from edb_proxy.sql.statements import ParsedStatement, head_word

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = [
    "DEFAULT_MAX_STATEMENT_TIME",
    "PROGRESS_STEPS",
    "Process",
    "ProcessList",
    "has_global_privilege",
    "plan_kill",
]

_T = TypeVar("_T")

#: Server-wide cap on one statement's run time (seconds) when the server sets none.
DEFAULT_MAX_STATEMENT_TIME = 30.0
#: SQLite virtual-machine steps between deadline checks.
PROGRESS_STEPS = 2000
_SELECT_HEADS = ("SELECT", "WITH", "(")
_PROCESS_PRIVILEGES = ("ALL", "PROCESS", "SUPER")
_KILL_PRIVILEGES = ("ALL", "SUPER", "CONNECTION_ADMIN")


def has_global_privilege(session: Session, names: tuple[str, ...]) -> bool:
    """True when ``session``'s user holds one of ``names`` at the global level (``*.*``).

    Uses the authorization layer (``session.authz``, :mod:`edb_proxy.sql.authz`) when the
    session has one (a system session holds everything); otherwise reads ``edb_grants``.
    """
    authz = getattr(session, "authz", None)
    if authz is not None:
        if not getattr(authz, "enforce", True):
            return True
        grants = authz.grants()
        return any(grants.holds(name, "") for name in names if name != "ALL")
    try:
        rows = session.conn.execute(
            "SELECT privilege FROM edb_grants WHERE user = ? AND db = '*'", (session.user,)
        ).fetchall()
    except apsw.Error:
        return False
    held = {str(r[0]).upper() for r in rows}
    return any(name in held for name in names)


def _server_cap(session: Session) -> float:
    cap = session.db.global_variable("edb_max_statement_time")
    if cap is None:
        return DEFAULT_MAX_STATEMENT_TIME
    return float(cap) if isinstance(cap, int | float) and cap > 0 else math.inf


class Process:
    """One session's process-list row and statement guard (see the module docstring)."""

    __slots__ = (
        "cap",
        "command",
        "current",
        "deadline",
        "host",
        "interrupted",
        "killed",
        "limit",
        "on_kill",
        "session",
        "show_rows",
        "started",
        "timed_out",
        "waiting",
    )

    def __init__(self, session: Session) -> None:
        self.session = session
        self.host = "localhost"
        self.command = "Sleep"
        self.current: ParsedStatement | None = None
        self.started = time.monotonic()
        self.deadline = math.inf
        self.limit = math.inf
        #: The server-wide cap in seconds (``@@edb_max_statement_time``; inf when 0).
        self.cap = _server_cap(session)
        self.waiting = False
        self.interrupted = False
        self.killed = False
        self.timed_out = False
        self.on_kill: Callable[[], None] | None = None
        #: Rows of the SHOW statement being filtered by SHOW ... WHERE (see show_where).
        self.show_rows: list[list[object]] = []
        session.conn.set_progress_handler(self._progress, PROGRESS_STEPS)

    def _progress(self) -> bool:
        if time.monotonic() > self.deadline:
            self.timed_out = True
            return True
        return False

    def _statement_deadline(self, now: float, st: ParsedStatement) -> float:
        """``@@max_execution_time`` counted from the statement's start (SELECT only)."""
        ms = self.session.variables.get("max_execution_time")
        if ms and isinstance(ms, int) and ms > 0 and head_word(st.lexed) in _SELECT_HEADS:
            return now + ms / 1000.0
        return math.inf

    @property
    def info(self) -> str | None:
        """The running statement's text (comments removed), None when idle.

        Security: a statement that may carry a password (``IDENTIFIED``, ``PASSWORD``) is
        shown with every literal written ``?``.
        """
        if self.current is None:
            return None
        text = self.current.text
        upper = text.upper()
        if "IDENTIFIED" in upper or "PASSWORD" in upper:
            return self.current.lexed.key
        return text

    def run(
        self,
        call: Callable[[ParsedStatement, list[object]], _T],
        st: ParsedStatement,
        values: list[object],
    ) -> _T:
        """Run one statement attempt under the process guard.

        Raises:
            SQLError: 1317 when the statement was killed (KILL QUERY / KILL CONNECTION)
                while it waited for a lock, 3024 when it ran past its deadline; whatever
                ``call`` raises otherwise. :class:`EngineBusy` leaves the statement marked
                running (the server retries it).
        """
        now = time.monotonic()
        if not self.waiting or self.current is not st:
            self.current = st
            self.started = now
            self.command = "Query"
            self.limit = self._statement_deadline(now, st)
        # the server-wide cap bounds each attempt (a lock wait between attempts stalls nothing)
        self.deadline = min(now + self.cap, self.limit)
        self.waiting = False
        if self.interrupted:
            self._finish()
            raise SQLError(ER.ER_QUERY_INTERRUPTED, "Query execution was interrupted")
        try:
            result = call(st, values)
        except EngineBusy:
            self.waiting = True
            raise
        except SQLError as exc:
            timed_out = self.timed_out
            self._finish()
            if timed_out and exc.kind is ER.ER_QUERY_INTERRUPTED:
                raise SQLError(
                    ER.ER_QUERY_TIMEOUT,
                    "Query execution was interrupted, maximum statement execution time exceeded",
                ) from None
            raise
        except BaseException:
            self._finish()
            raise
        self._finish()
        return result

    def _finish(self) -> None:
        self.deadline = math.inf
        self.waiting = self.interrupted = self.timed_out = False
        self.command = "Killed" if self.killed else "Sleep"
        self.current = None
        self.started = time.monotonic()

    @property
    def state(self) -> str:
        """MySQL's State column: waiting for a lock, executing, or empty when idle."""
        if self.current is None:
            return ""
        return "Waiting for table lock" if self.waiting else "executing"

    def row(
        self, viewer: Session, full: bool
    ) -> tuple[int, str, str, str | None, str, int, str, str | None]:
        """``(Id, User, Host, db, Command, Time, State, Info)`` as ``viewer`` may see it."""
        session = self.session
        info = self.info
        if info is not None and not full and len(info) > 100:
            info = info[:100]
        if viewer is session:
            info = "SHOW PROCESSLIST" if info is None else info
        return (
            session.connection_id,
            session.user,
            self.host,
            session.database,
            self.command,
            int(time.monotonic() - self.started),
            self.state,
            info,
        )


class ProcessList:
    """The live client sessions of one database (the server's connection ids)."""

    def __init__(self) -> None:
        self._processes: dict[int, Process] = {}

    def add(self, process: Process) -> None:
        self._processes[process.session.connection_id] = process

    def remove(self, process: Process) -> None:
        if self._processes.get(process.session.connection_id) is process:
            del self._processes[process.session.connection_id]

    def get(self, connection_id: int) -> Process | None:
        return self._processes.get(connection_id)

    def __iter__(self) -> Iterator[Process]:
        return iter(sorted(self._processes.values(), key=lambda p: p.session.connection_id))

    def __len__(self) -> int:
        return len(self._processes)

    def attach(self, connection_id: int, *, host: str, on_kill: Callable[[], None] | None) -> None:
        """Record the client host and the server's close callback of a registered session."""
        process = self._processes.get(connection_id)
        if process is not None:
            process.host = host or "localhost"
            process.on_kill = on_kill

    def visible_rows(
        self, viewer: Session, *, full: bool
    ) -> list[tuple[int, str, str, str | None, str, int, str, str | None]]:
        """Process-list rows ``viewer`` may see (invariant 1)."""
        everyone = has_global_privilege(viewer, _PROCESS_PRIVILEGES)
        return [p.row(viewer, full) for p in self if everyone or p.session.user == viewer.user]

    def kill_from(self, killer_id: int, killer_user: str, target_id: int, *, query: bool) -> None:
        """:meth:`kill` on behalf of connection ``killer_id`` (COM_PROCESS_KILL)."""
        killer = self._processes.get(killer_id)
        self.kill(killer.session if killer else None, killer_user, target_id, query=query)

    def kill(
        self, killer: Session | None, killer_user: str, target_id: int, *, query: bool
    ) -> None:
        """KILL [CONNECTION | QUERY] ``target_id`` on behalf of ``killer_user``.

        Args:
            killer: the killing session (None when the server kills on behalf of a
                connection that has no session).
            query: KILL QUERY (interrupt the waiting statement only).

        Raises:
            SQLError: 1094 unknown id, 1095 another user's process without privilege, 1317
                when a session kills its own connection (as MySQL answers).
        """
        target = self._processes.get(target_id)
        if target is None:
            raise SQLError(ER.ER_NO_SUCH_THREAD, f"Unknown thread id: {target_id}")
        owner = target.session.user
        authz = getattr(killer, "authz", None)
        if authz is not None and hasattr(authz, "check_kill"):
            authz.check_kill(owner, target_id)
        elif owner != killer_user and (
            killer is None or not has_global_privilege(killer, _KILL_PRIVILEGES)
        ):
            raise SQLError(ER.ER_KILL_DENIED_ERROR, f"You are not owner of thread {target_id}")
        if target.waiting:
            target.interrupted = True
        if query:
            return
        target.killed = True
        if target.command == "Sleep":
            target.command = "Killed"
        if target.on_kill is not None:
            target.on_kill()
        if killer is not None and target.session is killer:
            raise SQLError(ER.ER_QUERY_INTERRUPTED, "Query execution was interrupted")


def plan_kill(text: str) -> Callable[[Session, list[object]], OkResult]:
    """Compile ``KILL [CONNECTION | QUERY] id`` into a handler.

    Raises:
        SQLError: 1064 for anything else (the id must be an integer literal).
    """
    r = TokenReader(text)
    r.expect("KILL")
    query = r.accept("QUERY")
    if not query:
        r.accept("CONNECTION")
    tok = r.peek()
    if tok is None or not tok.text.isdigit():
        raise r.error()
    target = int(tok.text)
    r.pos += 1
    if not r.at_end():
        raise r.error()

    def run(session: Session, values: list[object]) -> OkResult:
        session.db.processes.kill(session, session.user, target, query=query)
        return OkResult()

    return run
