"""Prepared-statement bookkeeping the codec needs to decode the binary protocol.

References:
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_send_long_data.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_fetch.html

Theory of operation
-------------------
``COM_STMT_EXECUTE`` cannot be parsed without the statement's parameter count (it sizes the
NULL bitmap) and, when the client sets new-params-bound = 0, the parameter types of the
previous execute. The server registers each statement through ``prepare_ok``; the registry
keeps that, the accumulated ``COM_STMT_SEND_LONG_DATA`` chunks and whether a cursor is open.

Invariants
1. ``COM_STMT_SEND_LONG_DATA`` and ``COM_STMT_CLOSE`` never produce a reply; every problem
   with long data (unknown statement, parameter index out of range, more than
   ``max_long_data`` bytes buffered in total) is remembered and reported as a
   :class:`BadCommand` by that statement's next execute.
2. Long data is released when the statement executes, is reset, closed or forgotten.
3. A long-data parameter takes its value from the long data, ignoring the NULL bitmap, and is
   absent from the execute packet's value block (as MySQL clients send it).
4. Malformed parameter blocks are :class:`BadCommand` ``ER_WRONG_ARGUMENTS``; they never raise.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from edb_proxy.errors import ER, RemoteProtocolError
from edb_proxy.fieldtypes import Value
from edb_proxy.protocol.binary import PARAM_DECODERS, decode_text_param
from edb_proxy.protocol.events import BadCommand, ComStmtExecute, ComStmtFetch, ComStmtReset
from edb_proxy.protocol.wire import Buffer, PayloadReader

__all__ = [
    "ParamType",
    "StatementRegistry",
    "StatementState",
    "parse_stmt_execute",
]

#: ``(MySQL type byte, unsigned)`` of one bound parameter.
ParamType = tuple[int, bool]

_WA = ER.ER_WRONG_ARGUMENTS
_EXEC_HEAD: Final = struct.Struct("<xIBI")  # command, statement id, flags, iteration count
_STMT_ID: Final = struct.Struct("<xI")
_IS_UNSIGNED: Final = tuple(bool(flag & 0x80) for flag in range(256))
_MAX_ORPHANS: Final = 64


@dataclass(slots=True)
class StatementState:
    """What the codec knows about one prepared statement."""

    param_count: int
    column_count: int
    param_types: tuple[ParamType, ...] | None = None
    long_data: dict[int, bytearray] = field(default_factory=dict)
    error: tuple[ER, str] | None = None
    cursor_open: bool = False


def parse_stmt_execute(
    payload: Buffer,
    param_count: int,
    bound_types: Sequence[ParamType] | None = None,
    long_data: Mapping[int, Buffer] | None = None,
) -> tuple[ComStmtExecute, tuple[ParamType, ...]]:
    """Parse ``COM_STMT_EXECUTE`` for a statement with ``param_count`` parameters.

    Args:
        payload: the whole command payload, starting with 0x17.
        bound_types: the types of the previous execute, used when new-params-bound is 0.
        long_data: parameter index -> data sent with ``COM_STMT_SEND_LONG_DATA``.

    Returns:
        The event and the parameter types now bound.

    Raises:
        RemoteProtocolError: kind ``ER_WRONG_ARGUMENTS`` for a malformed packet. Bytes after
            the last parameter are ignored, as MySQL does.
    """
    n = len(payload)
    if n < _EXEC_HEAD.size:
        raise RemoteProtocolError("malformed COM_STMT_EXECUTE", _WA)
    stmt_id, flags, _iterations = _EXEC_HEAD.unpack_from(payload)
    if param_count == 0:
        return ComStmtExecute(stmt_id, flags, ()), ()
    pos = _EXEC_HEAD.size + ((param_count + 7) >> 3)
    if n <= pos:
        raise RemoteProtocolError("malformed COM_STMT_EXECUTE: short NULL bitmap", _WA)
    nulls = int.from_bytes(payload[_EXEC_HEAD.size : pos], "little")
    new_bound = payload[pos]
    pos += 1
    types: tuple[ParamType, ...]
    if new_bound == 1:
        end = pos + 2 * param_count
        if n < end:
            raise RemoteProtocolError("malformed COM_STMT_EXECUTE: short type block", _WA)
        raw = bytes(payload[pos:end])
        types = tuple(zip(raw[0::2], map(_IS_UNSIGNED.__getitem__, raw[1::2]), strict=True))
        pos = end
    elif new_bound == 0 and bound_types is not None and len(bound_types) == param_count:
        types = tuple(bound_types)
    else:
        raise RemoteProtocolError("parameter types were never bound", _WA)
    r = PayloadReader(payload, _WA, pos)
    decoders = PARAM_DECODERS
    values: list[Value] = []
    append = values.append
    for i, (ftype, unsigned) in enumerate(types):
        if long_data and i in long_data:
            append(decode_text_param(bytes(long_data[i]), ftype))
        elif (nulls >> i) & 1:
            append(None)
        else:
            decoder = decoders.get(ftype)
            if decoder is None:
                raise RemoteProtocolError(f"unsupported parameter type 0x{ftype:02X}", _WA)
            append(decoder(r, unsigned))
    return ComStmtExecute(stmt_id, flags, tuple(values)), types


def _unknown(stmt_id: int, command: str) -> BadCommand:
    return BadCommand(
        ER.ER_UNKNOWN_STMT_HANDLER, f"unknown prepared statement id {stmt_id} for {command}"
    )


class StatementRegistry:
    """Prepared statements of one connection.

    Args:
        max_long_data: bound on the long data buffered across all statements
            (``max_allowed_packet``).
    """

    __slots__ = ("_long_total", "_orphans", "_statements", "max_long_data")

    def __init__(self, max_long_data: int) -> None:
        self.max_long_data = max_long_data
        self._statements: dict[int, StatementState] = {}
        self._orphans: dict[int, None] = {}  # unknown ids that received long data
        self._long_total = 0

    def __contains__(self, stmt_id: object) -> bool:
        return stmt_id in self._statements

    def __len__(self) -> int:
        return len(self._statements)

    def get(self, stmt_id: int) -> StatementState | None:
        """The state of a registered statement."""
        return self._statements.get(stmt_id)

    def register(self, stmt_id: int, param_count: int, column_count: int) -> None:
        """Record a statement the server just prepared."""
        self._statements[stmt_id] = StatementState(param_count, column_count)

    def forget(self, stmt_id: int) -> None:
        """Drop a statement (closed or deallocated); unknown ids are ignored."""
        state = self._statements.pop(stmt_id, None)
        if state is not None:
            self._drop_long_data(state)

    def clear(self) -> None:
        """Drop every statement (``COM_RESET_CONNECTION``)."""
        self._statements.clear()
        self._orphans.clear()
        self._long_total = 0

    def _drop_long_data(self, state: StatementState) -> None:
        if state.long_data:
            self._long_total -= sum(len(v) for v in state.long_data.values())
            state.long_data = {}

    def send_long_data(self, payload: Buffer) -> None:
        """Apply ``COM_STMT_SEND_LONG_DATA`` (never replies; problems are remembered)."""
        if len(payload) < 5:
            return  # not even a statement id: nothing to attach an error to
        r = PayloadReader(payload, _WA, pos=1)
        stmt_id = r.int4()
        state = self._statements.get(stmt_id)
        if state is None:
            if len(self._orphans) >= _MAX_ORPHANS:
                del self._orphans[next(iter(self._orphans))]
            self._orphans[stmt_id] = None
            return
        if state.error is not None:
            return
        if r.remaining() < 2:
            state.error = (_WA, "malformed COM_STMT_SEND_LONG_DATA")
            self._drop_long_data(state)
            return
        param = r.int2()
        if param >= state.param_count:
            state.error = (_WA, f"long data sent for parameter {param} of {state.param_count}")
            self._drop_long_data(state)
            return
        n = r.remaining()
        if self._long_total + n > self.max_long_data:
            state.error = (_WA, "long data exceeds max_allowed_packet")
            self._drop_long_data(state)
            return
        chunk = state.long_data.get(param)
        if chunk is None:
            state.long_data[param] = chunk = bytearray()
        with memoryview(payload) as view:
            chunk += view[7:]
        self._long_total += n

    def execute(self, payload: Buffer) -> ComStmtExecute | BadCommand:
        """Decode ``COM_STMT_EXECUTE`` against the registered statement."""
        if len(payload) < 5:
            return BadCommand(_WA, "malformed COM_STMT_EXECUTE")
        stmt_id = _STMT_ID.unpack_from(payload)[0]
        if stmt_id in self._orphans:
            del self._orphans[stmt_id]
            return _unknown(stmt_id, "COM_STMT_SEND_LONG_DATA")
        state = self._statements.get(stmt_id)
        if state is None:
            return _unknown(stmt_id, "COM_STMT_EXECUTE")
        error, state.error = state.error, None
        state.cursor_open = False
        try:
            if error is not None:
                return BadCommand(*error)
            event, types = parse_stmt_execute(
                payload, state.param_count, state.param_types, state.long_data
            )
        except RemoteProtocolError as exc:
            return BadCommand(exc.kind, exc.message)
        finally:
            self._drop_long_data(state)
        state.param_types = types
        return event

    def fetch(self, payload: Buffer) -> ComStmtFetch | BadCommand:
        """Decode ``COM_STMT_FETCH``; the statement must have an open cursor."""
        r = PayloadReader(payload, _WA, pos=1)
        if r.remaining() < 8:
            return BadCommand(_WA, "malformed COM_STMT_FETCH")
        stmt_id = r.int4()
        rows = r.int4()
        state = self._statements.get(stmt_id)
        if state is None:
            return _unknown(stmt_id, "COM_STMT_FETCH")
        if not state.cursor_open:
            return BadCommand(
                ER.ER_STMT_HAS_NO_OPEN_CURSOR, f"statement {stmt_id} has no open cursor"
            )
        return ComStmtFetch(stmt_id, rows)

    def reset(self, payload: Buffer) -> ComStmtReset | BadCommand:
        """Decode ``COM_STMT_RESET``: drops long data, errors and the cursor."""
        r = PayloadReader(payload, _WA, pos=1)
        if r.remaining() < 4:
            return BadCommand(_WA, "malformed COM_STMT_RESET")
        stmt_id = r.int4()
        state = self._statements.get(stmt_id)
        if state is None:
            return _unknown(stmt_id, "COM_STMT_RESET")
        state.error = None
        state.cursor_open = False
        self._drop_long_data(state)
        return ComStmtReset(stmt_id)
