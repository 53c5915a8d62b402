"""MySQL string and math functions SQLite lacks or computes differently (``edb_*``).

Every function takes SQLite values (``None``, int, float, str, bytes) and returns one; ``None``
in gives ``None`` out unless MySQL says otherwise (CONCAT_WS skips NULLs, GREATEST/LEAST return
NULL if any argument is NULL). Semantics follow the MySQL 8.0 manual, section 14.8 "String
Functions and Operators" and 14.6 "Numeric Functions and Operators"
(https://dev.mysql.com/doc/refman/8.0/en/string-functions.html,
https://dev.mysql.com/doc/refman/8.0/en/numeric-functions.html).

Conventions
1. Positions are 1-based; a negative position counts from the end; position 0 gives ``''``.
2. A string argument used as a number takes its longest numeric prefix (``'12abc'`` -> 12,
   ``'abc'`` -> 0), as MySQL does (MySQL also warns 1292; we do not).
3. Functions that produce binary strings in MySQL (UNHEX, FROM_BASE64, CHAR) return bytes.
4. ROUND/TRUNCATE round half away from zero (TRUNCATE: toward zero) on the *decimal* value:
   a float argument is read as its shortest decimal representation, because decimal literals
   and DECIMAL(p<=15) columns reach SQLite as doubles. (MySQL rounds a true DOUBLE half to
   even; ``ROUND(2.5e0)`` is 2 there and 3 here.)
"""

from __future__ import annotations

import base64
import decimal
import hashlib
import math
import random
import re
from collections.abc import Callable
from typing import Any

__all__ = ["STRING_FUNCTIONS", "as_number", "as_text", "divide"]

_NUMERIC_PREFIX = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def as_text(value: object) -> str | None:
    """A value as MySQL converts it to a string (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        return text.replace("e+", "e")
    return str(value)


def as_number(value: object) -> int | float | decimal.Decimal | None:
    """A value as MySQL converts it to a number (None stays None; see convention 2)."""
    if value is None or isinstance(value, int | float):
        return value
    text = as_text(value) or ""
    m = _NUMERIC_PREFIX.match(text)
    if m is None:
        return 0
    token = m.group(0).strip()
    if re.fullmatch(r"[-+]?\d+", token):
        return int(token)
    if "e" in token.lower():
        return float(token)
    return decimal.Decimal(token)


def _int(value: object) -> int | None:
    number = as_number(value)
    if number is None:
        return None
    if isinstance(number, int):
        return number
    return int(decimal.Decimal(str(number)).to_integral_value(decimal.ROUND_HALF_UP))


def _out(number: int | float | decimal.Decimal) -> object:
    """A number as SQLite can carry it (exact decimals as text)."""
    if isinstance(number, decimal.Decimal):
        return str(number)
    return number


# -- string functions ------------------------------------------------------------------------


def _concat(*args: object) -> object:
    if any(a is None for a in args):
        return None
    if any(isinstance(a, bytes) for a in args):
        return b"".join(a if isinstance(a, bytes) else (as_text(a) or "").encode() for a in args)
    return "".join(as_text(a) or "" for a in args)


def _concat_ws(sep: object, *args: object) -> object:
    if sep is None:
        return None
    return (as_text(sep) or "").join(as_text(a) or "" for a in args if a is not None)


def _substring(s: object, pos: object, length: object = -1) -> object:
    text, p = as_text(s), _int(pos)
    if text is None or p is None or length is None:
        return None
    n = _int(length) if length != -1 else len(text)
    if p == 0 or n is None or n <= 0 or abs(p) > len(text):
        return ""
    start = p - 1 if p > 0 else len(text) + p
    return text[start : start + n]


def _left(s: object, n: object) -> object:
    text, k = as_text(s), _int(n)
    if text is None or k is None:
        return None
    return text[: max(k, 0)]


def _right(s: object, n: object) -> object:
    text, k = as_text(s), _int(n)
    if text is None or k is None:
        return None
    return text[len(text) - k :] if k > 0 else ""


def _locate(sub: object, s: object, pos: object = 1) -> object:
    needle, hay, p = as_text(sub), as_text(s), _int(pos)
    if needle is None or hay is None or p is None:
        return None
    if p < 1 or p > len(hay) + 1:
        return 0
    return hay.casefold().find(needle.casefold(), p - 1) + 1


def _instr(s: object, sub: object) -> object:
    return _locate(sub, s)


def _trim(s: object, remove: object, where: object) -> object:
    text, rem = as_text(s), as_text(remove)
    if text is None or rem is None:
        return None
    if rem == "":
        return text
    side = str(where)
    if side in ("BOTH", "LEADING"):
        while text.startswith(rem):
            text = text[len(rem) :]
    if side in ("BOTH", "TRAILING"):
        while text.endswith(rem):
            text = text[: -len(rem)]
    return text


def _pad(left: bool) -> Callable[[object, object, object], object]:
    def pad(s: object, n: object, fill: object) -> object:
        text, k, f = as_text(s), _int(n), as_text(fill)
        if text is None or k is None or f is None or k < 0:
            return None
        if k <= len(text):
            return text[:k]
        if not f:
            return None
        need = k - len(text)
        padding = (f * (need // len(f) + 1))[:need]
        return padding + text if left else text + padding

    return pad


def _repeat(s: object, n: object) -> object:
    text, k = as_text(s), _int(n)
    if text is None or k is None:
        return None
    return text * max(k, 0)


def _reverse(s: object) -> object:
    text = as_text(s)
    return None if text is None else text[::-1]


def _space(n: object) -> object:
    k = _int(n)
    return None if k is None else " " * max(k, 0)


def _field(needle: object, *items: object) -> int:
    if needle is None:
        return 0
    if isinstance(needle, int | float):
        for i, item in enumerate(items, 1):
            if item is not None and as_number(item) == needle:
                return i
        return 0
    key = (as_text(needle) or "").casefold()
    for i, item in enumerate(items, 1):
        if item is not None and (as_text(item) or "").casefold() == key:
            return i
    return 0


def _find_in_set(needle: object, members: object) -> object:
    key, text = as_text(needle), as_text(members)
    if key is None or text is None:
        return None
    if "," in key or not text:
        return 0
    for i, item in enumerate(text.split(","), 1):
        if item.casefold() == key.casefold():
            return i
    return 0


def _elt(n: object, *items: object) -> object:
    k = _int(n)
    if k is None or k < 1 or k > len(items):
        return None
    return as_text(items[k - 1])


def _insert(s: object, pos: object, length: object, new: object) -> object:
    text, p, n, ins = as_text(s), _int(pos), _int(length), as_text(new)
    if text is None or p is None or n is None or ins is None:
        return None
    if p < 1 or p > len(text):
        return text
    if n < 0 or p - 1 + n > len(text):
        n = len(text) - p + 1
    return text[: p - 1] + ins + text[p - 1 + n :]


def _hex(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, int):
        return format(value & 0xFFFFFFFFFFFFFFFF, "X")
    if isinstance(value, float):
        return format(round(value) & 0xFFFFFFFFFFFFFFFF, "X")
    data = value if isinstance(value, bytes) else (as_text(value) or "").encode()
    return data.hex().upper()


def _unhex(value: object) -> object:
    text = as_text(value)
    if text is None:
        return None
    if len(text) % 2:
        text = "0" + text
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else (as_text(value) or "").encode()


def _md5(value: object) -> object:
    return None if value is None else hashlib.md5(_bytes(value), usedforsecurity=False).hexdigest()


def _sha1(value: object) -> object:
    return (
        None if value is None else hashlib.sha1(_bytes(value), usedforsecurity=False).hexdigest()
    )


def _sha2(value: object, bits: object) -> object:
    n = _int(bits)
    if value is None or n is None:
        return None
    algo = {0: "sha256", 224: "sha224", 256: "sha256", 384: "sha384", 512: "sha512"}.get(n)
    return None if algo is None else hashlib.new(algo, _bytes(value)).hexdigest()


def _to_base64(value: object) -> object:
    if value is None:
        return None
    text = base64.b64encode(_bytes(value)).decode("ascii")
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _from_base64(value: object) -> object:
    text = as_text(value)
    if text is None:
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError:
        return None


def _format(value: object, places: object, *_locale: object) -> object:
    number, d = as_number(value), _int(places)
    if number is None or d is None:
        return None
    d = max(0, min(d, 30))
    exact = decimal.Decimal(str(number)) if not isinstance(number, float) else None
    if exact is None:
        exact = decimal.Decimal(repr(number))
    rounded = exact.quantize(decimal.Decimal(1).scaleb(-d), rounding=decimal.ROUND_HALF_UP)
    return f"{rounded:,.{d}f}"


def _quote(value: object) -> object:
    if value is None:
        return "NULL"
    text = as_text(value) or ""
    out = text.replace("\\", "\\\\").replace("'", "\\'").replace("\x00", "\\0")
    return "'" + out.replace("\x1a", "\\Z") + "'"


def _ascii(value: object) -> object:
    if value is None:
        return None
    data = _bytes(value)
    return data[0] if data else 0


def _ord(value: object) -> object:
    if value is None:
        return None
    text = as_text(value) or ""
    if not text:
        return 0
    return int.from_bytes(text[0].encode("utf-8", "surrogateescape"), "big")


def _char(*codes: object) -> bytes:
    out = bytearray()
    for code in codes:
        n = _int(code)
        if n is None:
            continue
        n &= 0xFFFFFFFF
        out += n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return bytes(out)


def _lower(value: object) -> object:
    text = as_text(value)
    return None if text is None else text.lower()


def _upper(value: object) -> object:
    text = as_text(value)
    return None if text is None else text.upper()


def _char_length(value: object) -> object:
    if value is None:
        return None
    return len(value) if isinstance(value, bytes) else len(as_text(value) or "")


def _length(value: object) -> object:
    if value is None:
        return None
    return len(_bytes(value)) if isinstance(value, str | bytes) else len(as_text(value) or "")


# -- math functions --------------------------------------------------------------------------


def _exact(value: object) -> decimal.Decimal | None:
    """An exact decimal for integer/decimal-text values, None for floats."""
    number = as_number(value)
    if isinstance(number, int):
        return decimal.Decimal(number)
    if isinstance(number, decimal.Decimal):
        return number
    return None


def _round(value: object, places: object = 0) -> object:
    d = _int(places)
    if value is None or d is None:
        return None
    exact = _exact(value)
    if exact is None:
        number = float(as_number(value) or 0.0)
        if not math.isfinite(number):
            return number
        exact = decimal.Decimal(repr(number))
        return float(_round(str(exact), d))  # type: ignore[arg-type]
    q = decimal.Decimal(1).scaleb(-max(d, 0))
    if d >= 0:
        result = exact.quantize(q, rounding=decimal.ROUND_HALF_UP)
    else:
        step = decimal.Decimal(10) ** -d
        result = (exact / step).quantize(decimal.Decimal(1), decimal.ROUND_HALF_UP) * step
    if isinstance(value, int) or (d <= 0 and result == result.to_integral_value()):
        return int(result)
    return _out(result)


def _truncate(value: object, places: object) -> object:
    d = _int(places)
    if value is None or d is None:
        return None
    exact = _exact(value)
    as_float = exact is None
    if exact is None:
        exact = decimal.Decimal(repr(float(as_number(value) or 0.0)))
    if d >= 0:
        result = exact.quantize(decimal.Decimal(1).scaleb(-d), rounding=decimal.ROUND_DOWN)
    else:
        step = decimal.Decimal(10) ** -d
        result = (exact / step).to_integral_value(decimal.ROUND_DOWN) * step
    if as_float:
        return float(result)
    if isinstance(value, int) or d <= 0:
        return int(result)
    return _out(result)


def _intdiv(a: object, b: object) -> object:
    x, y = as_number(a), as_number(b)
    if x is None or y is None or y == 0:
        return None
    q = decimal.Decimal(str(x)) / decimal.Decimal(str(y))
    return int(q.to_integral_value(decimal.ROUND_DOWN))


def _mod(a: object, b: object) -> object:
    x, y = as_number(a), as_number(b)
    if x is None or y is None or y == 0:
        return None
    if isinstance(x, int) and isinstance(y, int):
        return int(math.fmod(x, y)) if abs(x) < 2**53 else x - y * int(x / y)
    if isinstance(x, float) or isinstance(y, float):
        return math.fmod(float(x), float(y))
    dx, dy = decimal.Decimal(x), decimal.Decimal(y)
    return _out(dx.__mod__(dy))


def divide(a: object, b: object, kind: str) -> object:
    """``a / b`` (a double), ``a DIV b`` or ``MOD(a, b)``; the caller handles ``b = 0``."""
    if kind == "DIV":
        return _intdiv(a, b)
    if kind == "MOD":
        return _mod(a, b)
    x, y = as_number(a), as_number(b)
    if x is None or y is None or y == 0:
        return None
    if isinstance(x, float) or isinstance(y, float):
        return float(x) / float(y)
    return float(decimal.Decimal(x) / decimal.Decimal(y))


def _log(*args: object) -> object:
    if any(a is None for a in args):
        return None
    nums = [float(as_number(a) or 0.0) for a in args]
    if len(nums) == 1:
        return math.log(nums[0]) if nums[0] > 0 else None
    base, x = nums
    if x <= 0 or base <= 0 or base == 1:
        return None
    return math.log(x) / math.log(base)


def _float_fn(fn: Callable[[float], float], positive: bool = False) -> Callable[[object], object]:
    def call(value: object) -> object:
        number = as_number(value)
        if number is None:
            return None
        x = float(number)
        if positive and x <= 0:
            return None
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return None

    return call


def _pow(a: object, b: object) -> object:
    x, y = as_number(a), as_number(b)
    if x is None or y is None:
        return None
    try:
        return math.pow(float(x), float(y))
    except (ValueError, OverflowError):
        return None


def _sign(value: object) -> object:
    number = as_number(value)
    if number is None:
        return None
    return (number > 0) - (number < 0)


def _ceil_floor(up: bool) -> Callable[[object], object]:
    def call(value: object) -> object:
        number = as_number(value)
        if number is None:
            return None
        if isinstance(number, float):
            return float(math.ceil(number) if up else math.floor(number))
        return int(math.ceil(number) if up else math.floor(number))

    return call


def _abs(value: object) -> object:
    number = as_number(value)
    if number is None:
        return None
    return _out(-number if number < 0 else number)


def _greatest_least(pick: Callable[..., Any]) -> Callable[..., object]:
    def call(*args: object) -> object:
        if any(a is None for a in args):
            return None
        if all(isinstance(a, int | float) for a in args):
            return pick(args)
        if all(isinstance(a, str | bytes) for a in args):
            return pick(args, key=lambda v: (as_text(v) or "").casefold())
        return pick(args, key=lambda v: float(as_number(v) or 0))

    return call


def _rand(*args: object) -> float:
    if args and args[0] is not None:
        return random.Random(_int(args[0])).random()
    return random.random()


def _cast_char(value: object, length: object) -> object:
    text, n = as_text(value), _int(length)
    return None if text is None or n is None else text[: max(n, 0)]


def _cast_unsigned(value: object) -> object:
    n = _int(value)
    if n is None:
        return None
    n &= 0xFFFFFFFFFFFFFFFF
    return n if n <= 2**63 - 1 else str(n)


#: ``edb_*`` name -> (function, number of arguments or -1 for any).
STRING_FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "edb_concat": (_concat, -1),
    "edb_concat_ws": (_concat_ws, -1),
    "edb_substring": (_substring, -1),
    "edb_left": (_left, 2),
    "edb_right": (_right, 2),
    "edb_locate": (_locate, -1),
    "edb_instr": (_instr, 2),
    "edb_trim": (_trim, 3),
    "edb_lpad": (_pad(True), 3),
    "edb_rpad": (_pad(False), 3),
    "edb_repeat": (_repeat, 2),
    "edb_reverse": (_reverse, 1),
    "edb_space": (_space, 1),
    "edb_field": (_field, -1),
    "edb_find_in_set": (_find_in_set, 2),
    "edb_elt": (_elt, -1),
    "edb_insert": (_insert, 4),
    "edb_hex": (_hex, 1),
    "edb_unhex": (_unhex, 1),
    "edb_md5": (_md5, 1),
    "edb_sha1": (_sha1, 1),
    "edb_sha2": (_sha2, 2),
    "edb_to_base64": (_to_base64, 1),
    "edb_from_base64": (_from_base64, 1),
    "edb_format": (_format, -1),
    "edb_quote": (_quote, 1),
    "edb_ascii": (_ascii, 1),
    "edb_ord": (_ord, 1),
    "edb_char": (_char, -1),
    "edb_lower": (_lower, 1),
    "edb_upper": (_upper, 1),
    "edb_char_length": (_char_length, 1),
    "edb_length": (_length, 1),
    "edb_round": (_round, -1),
    "edb_truncate": (_truncate, 2),
    "edb_intdiv": (_intdiv, 2),
    "edb_mod": (_mod, 2),
    "edb_log": (_log, -1),
    "edb_ln": (_float_fn(math.log, positive=True), 1),
    "edb_log2": (_float_fn(math.log2, positive=True), 1),
    "edb_log10": (_float_fn(math.log10, positive=True), 1),
    "edb_exp": (_float_fn(math.exp), 1),
    "edb_sqrt": (_float_fn(lambda x: math.sqrt(x) if x >= 0 else math.nan), 1),
    "edb_pow": (_pow, 2),
    "edb_sign": (_sign, 1),
    "edb_ceil": (_ceil_floor(True), 1),
    "edb_floor": (_ceil_floor(False), 1),
    "edb_abs": (_abs, 1),
    "edb_pi": (lambda: math.pi, 0),
    "edb_greatest": (_greatest_least(max), -1),
    "edb_least": (_greatest_least(min), -1),
    "edb_rand": (_rand, -1),
    "edb_cast_char": (_cast_char, 2),
    "edb_cast_unsigned": (_cast_unsigned, 1),
}
