"""A minimal MySQL *client* codec, used only by tests.

It is written independently of ``edb_proxy.protocol`` (plain ``struct``, its own framing and
parsers) so that pairing it with the server codec checks the server against a second reading
of the manual rather than against itself (h11 ``tests/helpers.py`` style).
"""

from __future__ import annotations

import datetime
import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Capability bits, spelled out independently of edb_proxy.protocol.constants.
LONG_PASSWORD = 1
FOUND_ROWS = 2
LONG_FLAG = 4
CONNECT_WITH_DB = 8
PROTOCOL_41 = 512
SSL = 2048
TRANSACTIONS = 8192
SECURE_CONNECTION = 32768
MULTI_STATEMENTS = 1 << 16
MULTI_RESULTS = 1 << 17
PS_MULTI_RESULTS = 1 << 18
PLUGIN_AUTH = 1 << 19
CONNECT_ATTRS = 1 << 20
LENENC_CLIENT_DATA = 1 << 21
DEPRECATE_EOF = 1 << 24

BASE_CAPS = (
    LONG_PASSWORD
    | LONG_FLAG
    | PROTOCOL_41
    | TRANSACTIONS
    | SECURE_CONNECTION
    | MULTI_RESULTS
    | PS_MULTI_RESULTS
    | PLUGIN_AUTH
)

Split = Callable[[bytes], Iterator[bytes]]


# --- split strategies --------------------------------------------------------------------


def split_whole(data: bytes) -> Iterator[bytes]:
    yield data


def split_bytewise(data: bytes) -> Iterator[bytes]:
    for i in range(len(data)):
        yield data[i : i + 1]


def make_random_split(seed: int) -> Split:
    def split_random(data: bytes) -> Iterator[bytes]:
        rng = random.Random(seed)
        i = 0
        while i < len(data):
            n = rng.randint(1, 23)
            yield data[i : i + n]
            i += n

    return split_random


SPLITS: dict[str, Split] = {
    "whole": split_whole,
    "bytewise": split_bytewise,
    "random": make_random_split(1234),
    "random2": make_random_split(98765),
}


# --- framing -----------------------------------------------------------------------------


def frame(payload: bytes, seq: int) -> bytes:
    """Frame a client payload (with 16 MiB continuation)."""
    out = bytearray()
    pos = 0
    while True:
        chunk = payload[pos : pos + 0xFFFFFF]
        out += len(chunk).to_bytes(3, "little") + bytes([seq & 0xFF]) + chunk
        seq += 1
        pos += len(chunk)
        if len(chunk) < 0xFFFFFF:
            return bytes(out)


def unframe(data: bytes) -> list[tuple[int, bytes]]:
    """Split server output into ``(seq of first frame, payload)`` logical packets."""
    packets: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        assert len(data) - pos >= 4, "truncated header in server output"
        first_seq = data[pos + 3]
        payload = bytearray()
        while True:
            n = int.from_bytes(data[pos : pos + 3], "little")
            body = data[pos + 4 : pos + 4 + n]
            assert len(body) == n, "truncated frame in server output"
            payload += body
            pos += 4 + n
            if n < 0xFFFFFF:
                break
        packets.append((first_seq, bytes(payload)))
    return packets


def seqs(data: bytes) -> list[int]:
    """Sequence ids of every frame in server output."""
    out = []
    pos = 0
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 3], "little")
        out.append(data[pos + 3])
        pos += 4 + n
    return out


# --- primitive readers -------------------------------------------------------------------


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        assert self.pos + n <= len(self.data), "short read"
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u(self, n: int) -> int:
        return int.from_bytes(self.take(n), "little")

    def lenenc(self) -> int | None:
        first = self.u(1)
        if first < 0xFB:
            return first
        if first == 0xFB:
            return None
        return self.u({0xFC: 2, 0xFD: 3, 0xFE: 8}[first])

    def lenenc_str(self) -> bytes | None:
        n = self.lenenc()
        return None if n is None else self.take(n)

    def nul(self) -> bytes:
        end = self.data.index(b"\x00", self.pos)
        out = self.data[self.pos : end]
        self.pos = end + 1
        return out

    def rest(self) -> bytes:
        out = self.data[self.pos :]
        self.pos = len(self.data)
        return out

    def done(self) -> bool:
        return self.pos >= len(self.data)


def lenenc(n: int) -> bytes:
    if n < 0xFB:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little")
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little")
    return b"\xfe" + n.to_bytes(8, "little")


def lenenc_str(b: bytes) -> bytes:
    return lenenc(len(b)) + b


# --- server packets ----------------------------------------------------------------------


@dataclass
class Greeting:
    protocol: int
    version: bytes
    connection_id: int
    scramble: bytes
    capabilities: int
    charset: int
    status: int
    auth_data_len: int
    reserved: bytes
    plugin: bytes


def parse_greeting(payload: bytes) -> Greeting:
    r = Reader(payload)
    proto = r.u(1)
    version = r.nul()
    conn_id = r.u(4)
    part1 = r.take(8)
    assert r.u(1) == 0
    caps = r.u(2)
    charset = r.u(1)
    status = r.u(2)
    caps |= r.u(2) << 16
    data_len = r.u(1)
    reserved = r.take(10)
    part2 = r.take(max(13, data_len - 8))
    assert part2[-1:] == b"\x00"
    plugin = r.nul()
    assert r.done()
    return Greeting(
        proto,
        version,
        conn_id,
        part1 + part2[:-1],
        caps,
        charset,
        status,
        data_len,
        reserved,
        plugin,
    )


@dataclass
class OK:
    affected_rows: int
    last_insert_id: int
    status: int
    warnings: int
    info: bytes
    header: int


@dataclass
class ERR:
    errno: int
    sqlstate: str
    message: str


@dataclass
class EOF:
    warnings: int
    status: int


def parse_ok(payload: bytes) -> OK:
    r = Reader(payload)
    header = r.u(1)
    assert header in (0x00, 0xFE)
    affected = r.lenenc()
    last = r.lenenc()
    assert affected is not None and last is not None
    status, warnings = r.u(2), r.u(2)
    # MySQL servers send a non-empty info as a length-encoded string.
    info = (r.lenenc_str() or b"") if not r.done() else b""
    return OK(affected, last, status, warnings, info, header)


def parse_err(payload: bytes) -> ERR:
    r = Reader(payload)
    assert r.u(1) == 0xFF
    errno = r.u(2)
    assert r.take(1) == b"#"
    state = r.take(5).decode()
    return ERR(errno, state, r.rest().decode())


def parse_eof(payload: bytes) -> EOF:
    assert len(payload) == 5 and payload[0] == 0xFE
    return EOF(*struct.unpack("<HH", payload[1:]))


def parse_any(payload: bytes) -> OK | ERR | EOF:
    if payload[0] == 0xFF:
        return parse_err(payload)
    if payload[0] == 0xFE and len(payload) == 5:
        return parse_eof(payload)
    return parse_ok(payload)


@dataclass
class Column:
    catalog: bytes
    schema: bytes
    table: bytes
    org_table: bytes
    name: bytes
    org_name: bytes
    charset: int
    length: int
    type: int
    flags: int
    decimals: int
    default: bytes | None = None
    has_default: bool = False


def parse_column(payload: bytes, with_default: bool = False) -> Column:
    r = Reader(payload)
    strs = [r.lenenc_str() for _ in range(6)]
    assert all(s is not None for s in strs)
    assert r.lenenc() == 0x0C
    charset, length, ftype, flags, decimals = struct.unpack("<HIBHB", r.take(10))
    assert r.take(2) == b"\x00\x00"
    col = Column(*strs, charset, length, ftype, flags, decimals)  # type: ignore[arg-type]
    if with_default:
        col.default = r.lenenc_str()
        col.has_default = True
    assert r.done()
    return col


@dataclass
class ResultSet:
    columns: list[Column]
    rows: list[list[Any]]
    end: OK | EOF
    metadata_eof: EOF | None = None
    packets_used: int = 0


UNSIGNED = 32


def parse_text_row(payload: bytes, ncols: int) -> list[bytes | None]:
    r = Reader(payload)
    row = [r.lenenc_str() for _ in range(ncols)]
    assert r.done()
    return row


def parse_binary_value(r: Reader, ftype: int, flags: int) -> Any:
    unsigned = bool(flags & UNSIGNED)
    widths = {1: 1, 2: 2, 13: 2, 3: 4, 9: 4, 8: 8}
    if ftype in widths:
        return int.from_bytes(r.take(widths[ftype]), "little", signed=not unsigned)
    if ftype == 4:
        return struct.unpack("<f", r.take(4))[0]
    if ftype == 5:
        return struct.unpack("<d", r.take(8))[0]
    if ftype in (7, 10, 12):
        n = r.u(1)
        assert n in (0, 4, 7, 11), n
        if n == 0:
            return ("zero-date",)
        y, mo, d = struct.unpack("<HBB", r.take(4))
        h = mi = s = us = 0
        if n >= 7:
            h, mi, s = struct.unpack("<BBB", r.take(3))
        if n == 11:
            us = r.u(4)
        if ftype == 10:
            assert n == 4
            return datetime.date(y, mo, d)
        return datetime.datetime(y, mo, d, h, mi, s, us)
    if ftype == 11:
        n = r.u(1)
        assert n in (0, 8, 12), n
        if n == 0:
            return datetime.timedelta(0)
        neg, days, h, mi, s = struct.unpack("<BIBBB", r.take(8))
        us = r.u(4) if n == 12 else 0
        td = datetime.timedelta(days=days, hours=h, minutes=mi, seconds=s, microseconds=us)
        return -td if neg else td
    return r.lenenc_str()


def parse_binary_row(payload: bytes, columns: list[Column]) -> list[Any]:
    r = Reader(payload)
    assert r.u(1) == 0x00
    nbytes = (len(columns) + 7 + 2) // 8
    bitmap = int.from_bytes(r.take(nbytes), "little")
    row = []
    for i, col in enumerate(columns):
        if bitmap >> (i + 2) & 1:
            row.append(None)
        else:
            row.append(parse_binary_value(r, col.type, col.flags))
    assert r.done()
    return row


def read_result(
    packets: list[tuple[int, bytes]], deprecate_eof: bool, binary: bool = False
) -> ResultSet:
    """Parse one result set from the start of ``packets``."""
    it = iter(packets)
    used = 0

    def nxt() -> bytes:
        nonlocal used
        used += 1
        return next(it)[1]

    r = Reader(nxt())
    ncols = r.lenenc()
    assert ncols is not None and r.done()
    columns = [parse_column(nxt()) for _ in range(ncols)]
    meta_eof = None
    if not deprecate_eof:
        meta_eof = parse_eof(nxt())
    rows: list[list[Any]] = []
    while True:
        payload = nxt()
        if payload[0] == 0xFE and len(payload) < 0xFFFFFF and (deprecate_eof or len(payload) == 5):
            end: OK | EOF = parse_ok(payload) if deprecate_eof else parse_eof(payload)
            break
        if binary:
            rows.append(parse_binary_row(payload, columns))
        else:
            rows.append(parse_text_row(payload, ncols))
    return ResultSet(columns, rows, end, meta_eof, used)


# --- client packets ----------------------------------------------------------------------


def ssl_request(
    caps: int = BASE_CAPS | SSL, max_packet: int = 1 << 24, charset: int = 45
) -> bytes:
    return struct.pack("<IIB23x", caps | SSL, max_packet, charset)


@dataclass
class Response41:
    user: bytes = b"root"
    auth: bytes = b""
    caps: int = BASE_CAPS
    database: bytes | None = None
    plugin: bytes | None = b"caching_sha2_password"
    attrs: dict[bytes, bytes] = field(default_factory=dict)
    auth_form: str = "auto"  # auto | lenenc | secure | nul
    max_packet: int = 1 << 24
    charset: int = 45
    raw_attrs: bytes | None = None

    def encode(self) -> bytes:
        caps = self.caps
        if self.database is not None:
            caps |= CONNECT_WITH_DB
        if self.attrs or self.raw_attrs is not None:
            caps |= CONNECT_ATTRS
        form = self.auth_form
        if form == "lenenc":
            caps |= LENENC_CLIENT_DATA
        elif form == "secure":
            caps = (caps | SECURE_CONNECTION) & ~LENENC_CLIENT_DATA
        elif form == "nul":
            caps &= ~(SECURE_CONNECTION | LENENC_CLIENT_DATA)
        if self.plugin is None:
            caps &= ~PLUGIN_AUTH
        out = struct.pack("<IIB23x", caps, self.max_packet, self.charset) + self.user + b"\0"
        if caps & LENENC_CLIENT_DATA:
            out += lenenc_str(self.auth)
        elif caps & SECURE_CONNECTION:
            out += bytes([len(self.auth)]) + self.auth
        else:
            out += self.auth + b"\0"
        if caps & CONNECT_WITH_DB:
            out += (self.database or b"") + b"\0"
        if caps & PLUGIN_AUTH:
            out += (self.plugin or b"") + b"\0"
        if caps & CONNECT_ATTRS:
            if self.raw_attrs is not None:
                out += self.raw_attrs
            else:
                block = b"".join(lenenc_str(k) + lenenc_str(v) for k, v in self.attrs.items())
                out += lenenc(len(block)) + block
        return out


def command(code: int, body: bytes = b"") -> bytes:
    """A framed command packet (sequence id 0)."""
    return frame(bytes([code]) + body, 0)


def com_query(sql: bytes) -> bytes:
    return command(0x03, sql)


# Binary parameter encoders: (type byte, unsigned, encoded value).
def p_int(ftype: int, value: int, unsigned: bool = False) -> tuple[int, bool, bytes]:
    width = {1: 1, 2: 2, 13: 2, 3: 4, 9: 4, 8: 8}[ftype]
    return ftype, unsigned, value.to_bytes(width, "little", signed=not unsigned)


def p_double(value: float) -> tuple[int, bool, bytes]:
    return 5, False, struct.pack("<d", value)


def p_float(value: float) -> tuple[int, bool, bytes]:
    return 4, False, struct.pack("<f", value)


def p_str(ftype: int, value: bytes) -> tuple[int, bool, bytes]:
    return ftype, False, lenenc_str(value)


def p_decimal(value: Decimal, ftype: int = 0xF6) -> tuple[int, bool, bytes]:
    return ftype, False, lenenc_str(str(value).encode())


def p_datetime(ftype: int, value: datetime.date | None) -> tuple[int, bool, bytes]:
    if value is None:
        return ftype, False, b"\x00"
    if isinstance(value, datetime.datetime):
        if value.microsecond:
            body = struct.pack(
                "<HBBBBBI",
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
            )
        elif value.hour or value.minute or value.second:
            body = struct.pack(
                "<HBBBBB",
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
            )
        else:
            body = struct.pack("<HBB", value.year, value.month, value.day)
    else:
        body = struct.pack("<HBB", value.year, value.month, value.day)
    return ftype, False, bytes([len(body)]) + body


def p_time(value: datetime.timedelta) -> tuple[int, bool, bytes]:
    total = value // datetime.timedelta(microseconds=1)
    neg = total < 0
    total = abs(total)
    secs, us = divmod(total, 1_000_000)
    mins, s = divmod(secs, 60)
    hours, mi = divmod(mins, 60)
    days, h = divmod(hours, 24)
    if not total:
        return 11, False, b"\x00"
    if us:
        body = struct.pack("<BIBBBI", neg, days, h, mi, s, us)
    else:
        body = struct.pack("<BIBBB", neg, days, h, mi, s)
    return 11, False, bytes([len(body)]) + body


def p_null() -> tuple[int, bool, None]:
    return 6, False, None


def stmt_execute(
    stmt_id: int,
    params: list[tuple[int, bool, bytes | None]],
    *,
    flags: int = 0,
    send_types: bool = True,
    long_data: frozenset[int] = frozenset(),
) -> bytes:
    """A framed COM_STMT_EXECUTE; a ``None`` value means NULL."""
    body = struct.pack("<IBI", stmt_id, flags, 1)
    if params:
        bitmap = 0
        for i, (_, _, value) in enumerate(params):
            if value is None and i not in long_data:
                bitmap |= 1 << i
        body += bitmap.to_bytes((len(params) + 7) // 8, "little")
        body += b"\x01" if send_types else b"\x00"
        if send_types:
            body += b"".join(bytes([t, 0x80 if u else 0]) for t, u, _ in params)
        body += b"".join(
            v for i, (_, _, v) in enumerate(params) if v is not None and i not in long_data
        )
    return command(0x17, body)


def send_long_data(stmt_id: int, param: int, data: bytes) -> bytes:
    return command(0x18, struct.pack("<IH", stmt_id, param) + data)


def parse_prepare_ok(payload: bytes) -> tuple[int, int, int, int]:
    r = Reader(payload)
    assert r.u(1) == 0
    stmt_id, ncols, nparams = struct.unpack("<IHH", r.take(8))
    assert r.u(1) == 0
    warnings = r.u(2)
    assert r.done()
    return stmt_id, ncols, nparams, warnings
