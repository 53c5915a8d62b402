"""MySQL date and time functions (``edb_*``), on MySQL's text forms of temporal values.

Values arrive as SQLite stores them (``'YYYY-MM-DD'``, ``'YYYY-MM-DD HH:MM:SS[.ffffff]'``,
``'[-]HH:MM:SS'``, or numbers such as ``20240102``) and leave in the same text forms. An
argument that is not a valid date gives NULL, as MySQL does (MySQL also warns 1292).
Semantics: MySQL 8.0 manual 14.7 "Date and Time Functions"
(https://dev.mysql.com/doc/refman/8.0/en/date-and-time-functions.html).

Conventions
1. A DATE argument with an interval of days or larger gives a DATE; anything involving a time
   part gives a DATETIME; fractions are printed (6 digits) only when non-zero.
2. Month arithmetic clamps the day to the month's last day (``2024-01-31 + 1 MONTH`` =
   ``2024-02-29``).
3. WEEK(d, mode) implements the eight modes of the manual's WEEK() table; the default mode is
   0 (``default_week_format``).
"""

from __future__ import annotations

import calendar
import datetime
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from edb_proxy.sql.libstring import as_number, as_text
from edb_proxy.sql.temporal import normalize_datetime

__all__ = ["DATE_FUNCTIONS", "format_date", "parse_datetime", "parse_time"]

_TIME_TEXT = re.compile(r"^\s*(-)?(?:(\d+) )?(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?\s*$")
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{8}\s*$")
_YEAR_ZERO = re.compile(r"^\s*0000-(\d{1,2})-(\d{1,2})")


def parse_datetime(value: object) -> datetime.datetime | None:
    """A date or datetime value as a naive datetime, or None when it is not a valid one."""
    if value is None:
        return None
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = normalize_datetime(value if isinstance(value, int | str) else str(value), 6)
    if not isinstance(text, str):
        return None
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _is_date_only(value: object) -> bool:
    return isinstance(value, int) or (
        isinstance(value, str | bytes) and _DATE_ONLY.match(as_text(value) or "") is not None
    )


def parse_time(value: object) -> datetime.timedelta | None:
    """A TIME value (``[-][D ]HH:MM:SS[.f]``, or a datetime's time part) as a timedelta."""
    if value is None:
        return None
    text = as_text(value) or ""
    m = _TIME_TEXT.match(text)
    if m:
        sign, days, h, mi, s, f = m.groups()
        delta = datetime.timedelta(
            days=int(days or 0),
            hours=int(h),
            minutes=int(mi),
            seconds=int(s or 0),
            microseconds=int((f or "").ljust(6, "0") or 0),
        )
        return -delta if sign else delta
    moment = parse_datetime(value)
    if moment is not None:
        return moment - moment.replace(hour=0, minute=0, second=0, microsecond=0)
    number = as_number(value)
    if isinstance(number, int):
        sign = -1 if number < 0 else 1
        n = abs(number)
        return sign * datetime.timedelta(hours=n // 10000, minutes=n // 100 % 100, seconds=n % 100)
    return None


def _fmt_datetime(moment: datetime.datetime, fraction: bool | None = None) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if fraction or (fraction is None and moment.microsecond):
        text += f".{moment.microsecond:06d}"
    return f"{moment.year:04d}" + text[text.index("-") :]


def _fmt_time(delta: datetime.timedelta, fraction: bool | None = None) -> str:
    micros = delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    seconds, frac = divmod(micros, 1_000_000)
    text = f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if fraction or (fraction is None and frac):
        text += f".{frac:06d}"
    return text


# -- intervals -------------------------------------------------------------------------------

_UNIT_PARTS: dict[str, tuple[str, ...]] = {
    "MICROSECOND": ("MICROSECOND",),
    "SECOND": ("SECOND",),
    "MINUTE": ("MINUTE",),
    "HOUR": ("HOUR",),
    "DAY": ("DAY",),
    "WEEK": ("WEEK",),
    "MONTH": ("MONTH",),
    "QUARTER": ("QUARTER",),
    "YEAR": ("YEAR",),
    "SECOND_MICROSECOND": ("SECOND", "MICROSECOND"),
    "MINUTE_MICROSECOND": ("MINUTE", "SECOND", "MICROSECOND"),
    "MINUTE_SECOND": ("MINUTE", "SECOND"),
    "HOUR_MICROSECOND": ("HOUR", "MINUTE", "SECOND", "MICROSECOND"),
    "HOUR_SECOND": ("HOUR", "MINUTE", "SECOND"),
    "HOUR_MINUTE": ("HOUR", "MINUTE"),
    "DAY_MICROSECOND": ("DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND"),
    "DAY_SECOND": ("DAY", "HOUR", "MINUTE", "SECOND"),
    "DAY_MINUTE": ("DAY", "HOUR", "MINUTE"),
    "DAY_HOUR": ("DAY", "HOUR"),
    "YEAR_MONTH": ("YEAR", "MONTH"),
}
INTERVAL_UNITS = frozenset(_UNIT_PARTS)
_DATE_UNITS = frozenset({"DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "YEAR_MONTH"})


def _interval(amount: object, unit: str) -> tuple[int, datetime.timedelta] | None:
    """(months, delta) of ``INTERVAL amount unit``; None for a NULL or unreadable amount."""
    parts = _UNIT_PARTS.get(unit)
    if parts is None or amount is None:
        return None
    if len(parts) == 1:
        number = as_number(amount)
        if number is None:
            return None
        if parts[0] == "SECOND" and not isinstance(number, int):
            micros = round(float(number) * 1_000_000)
            return 0, datetime.timedelta(microseconds=micros)
        fields = [round(float(number))]
        negative = False
    else:
        text = (as_text(amount) or "").strip()
        negative = text.startswith("-")
        digits = re.findall(r"\d+", text)
        if not digits:
            return None
        fields = [int(d) for d in digits[-len(parts) :]]
        fields = [0] * (len(parts) - len(fields)) + fields
        if parts[-1] == "MICROSECOND" and len(digits) >= 1:
            last = digits[-1]
            fields[-1] = int(last.ljust(6, "0")[:6]) if len(last) <= 6 else int(last)
    months = 0
    delta = datetime.timedelta(0)
    for part, n in zip(parts, fields, strict=True):
        if part == "YEAR":
            months += 12 * n
        elif part == "QUARTER":
            months += 3 * n
        elif part == "MONTH":
            months += n
        elif part == "WEEK":
            delta += datetime.timedelta(weeks=n)
        else:
            delta += datetime.timedelta(**{part.lower() + "s": n})
    if negative:
        months, delta = -months, -delta
    return months, delta


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime | None:
    total = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        return None
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _date_add(value: object, amount: object, unit: object, sign: object = 1) -> object:
    """DATE_ADD/DATE_SUB/ADDDATE/SUBDATE/``+ INTERVAL`` (``sign`` -1 subtracts)."""
    unit_name = str(unit).upper()
    iv = _interval(amount, unit_name)
    if iv is None or value is None:
        return None
    months, delta = iv
    if sign == -1:
        months, delta = -months, -delta
    time_only = _TIME_TEXT.match(as_text(value) or "") is not None and "-" not in (
        as_text(value) or ""
    ).lstrip("-")
    if time_only and unit_name not in _DATE_UNITS:
        t = parse_time(value)
        return None if t is None else _fmt_time(t + delta)
    moment = parse_datetime(value)
    if moment is None:
        return None
    try:
        if months:
            shifted = _add_months(moment, months)
            if shifted is None:
                return None
            moment = shifted
        moment = moment + delta
    except OverflowError:
        return None
    if _is_date_only(value) and unit_name in _DATE_UNITS:
        return moment.strftime("%Y-%m-%d").rjust(10, "0")
    return _fmt_datetime(moment, True if "MICROSECOND" in unit_name else None)


def _adddate_days(value: object, days: object, sign: object = 1) -> object:
    return _date_add(value, days, "DAY", sign)


# -- parts -----------------------------------------------------------------------------------


def _part(fn: Callable[[datetime.datetime], object]) -> Callable[[object], object]:
    def call(value: object) -> object:
        moment = parse_datetime(value)
        return None if moment is None else fn(moment)

    return call


def _time_part(index: int) -> Callable[[object], object]:
    def call(value: object) -> object:
        if _is_date_only(value):
            return 0 if parse_datetime(value) is not None else None
        t = parse_time(value)
        if t is None:
            return None
        total = abs(t.days * 86400 + t.seconds)
        if t < datetime.timedelta(0):
            total = abs(int(t.total_seconds()))
        return (total // 3600, total % 3600 // 60, total % 60, abs(t).microseconds)[index]

    return call


def _date(value: object) -> object:
    moment = parse_datetime(value)
    if moment is None:
        zero = _YEAR_ZERO.match(as_text(value) or "")
        return None if zero is None else f"0000-{int(zero[1]):02d}-{int(zero[2]):02d}"
    return moment.strftime("%Y-%m-%d").rjust(10, "0")


def _time(value: object) -> object:
    t = parse_time(value)
    return None if t is None else _fmt_time(t)


def _week_start(year: int, monday: bool, four_days: bool) -> datetime.date:
    jan1 = datetime.date(year, 1, 1)
    offset = jan1.weekday() if monday else (jan1.weekday() + 1) % 7
    if four_days:
        return (
            jan1
            - datetime.timedelta(days=offset)
            + (datetime.timedelta(days=7) if offset > 3 else datetime.timedelta(0))
        )
    return jan1 + datetime.timedelta(days=(7 - offset) % 7)


_MODES = {  # mode: (monday first, range 1-53, week 1 has 4+ days)
    0: (False, False, False),
    1: (True, False, True),
    2: (False, True, False),
    3: (True, True, True),
    4: (False, False, True),
    5: (True, False, False),
    6: (False, True, True),
    7: (True, True, False),
}


def week_and_year(day: datetime.date, mode: int) -> tuple[int, int]:
    """MySQL's week number of ``day`` in ``mode`` (0-7) and the year it belongs to."""
    monday, one_based, four_days = _MODES[mode & 7]
    year = day.year
    start = _week_start(year, monday, four_days)
    if day < start:
        if not one_based:
            return 0, year
        year -= 1
        start = _week_start(year, monday, four_days)
    elif one_based and four_days and year < 9999:
        following = _week_start(year + 1, monday, four_days)
        if day >= following:
            return 1, year + 1
    return (day - start).days // 7 + 1, year


def _week(value: object, mode: object = 0) -> object:
    moment = parse_datetime(value)
    m = as_number(mode)
    if moment is None or m is None:
        return None
    return week_and_year(moment.date(), int(m))[0]


def _yearweek(value: object, mode: object = 0) -> object:
    moment = parse_datetime(value)
    m = as_number(mode)
    if moment is None or m is None:
        return None
    week, year = week_and_year(moment.date(), int(m) | 2)
    return year * 100 + week


_EXTRACT: dict[str, Callable[[datetime.datetime], int]] = {
    "YEAR": lambda d: d.year,
    "QUARTER": lambda d: (d.month - 1) // 3 + 1,
    "MONTH": lambda d: d.month,
    "WEEK": lambda d: week_and_year(d.date(), 0)[0],
    "DAY": lambda d: d.day,
    "HOUR": lambda d: d.hour,
    "MINUTE": lambda d: d.minute,
    "SECOND": lambda d: d.second,
    "MICROSECOND": lambda d: d.microsecond,
    "YEAR_MONTH": lambda d: d.year * 100 + d.month,
    "DAY_HOUR": lambda d: d.day * 100 + d.hour,
    "DAY_MINUTE": lambda d: (d.day * 100 + d.hour) * 100 + d.minute,
    "DAY_SECOND": lambda d: ((d.day * 100 + d.hour) * 100 + d.minute) * 100 + d.second,
    "HOUR_MINUTE": lambda d: d.hour * 100 + d.minute,
    "HOUR_SECOND": lambda d: (d.hour * 100 + d.minute) * 100 + d.second,
    "MINUTE_SECOND": lambda d: d.minute * 100 + d.second,
    "SECOND_MICROSECOND": lambda d: d.second * 1_000_000 + d.microsecond,
}


def _extract(unit: object, value: object) -> object:
    fn = _EXTRACT.get(str(unit).upper())
    moment = parse_datetime(value)
    if fn is None:
        return None
    if moment is None:
        t = parse_time(value)
        if t is None:
            return None
        moment = datetime.datetime(2000, 1, 1) + abs(t)
    return fn(moment)


# -- differences -----------------------------------------------------------------------------


def _day_number(value: object) -> int | None:
    """Days since 0001-01-01 (year 0 has 365 days, as in MySQL's TO_DAYS)."""
    moment = parse_datetime(value)
    if moment is not None:
        return moment.toordinal()
    m = _YEAR_ZERO.match(as_text(value) or "")
    if m is None:
        return None
    try:
        return datetime.date(1, int(m.group(1)), int(m.group(2))).toordinal() - 365
    except ValueError:
        return None


def _datediff(a: object, b: object) -> object:
    x, y = _day_number(a), _day_number(b)
    if x is None or y is None:
        return None
    return x - y


def _timediff(a: object, b: object) -> object:
    if _is_date_only(a) != _is_date_only(b):
        return None
    x, y = parse_datetime(a), parse_datetime(b)
    a_text = as_text(a) or ""
    if x is not None and y is not None and "-" in a_text.lstrip("-"):
        return _fmt_time(x - y)
    s, t = parse_time(a), parse_time(b)
    if s is None or t is None:
        return None
    return _fmt_time(s - t)


def _months_between(x: datetime.datetime, y: datetime.datetime) -> int:
    months = (y.year - x.year) * 12 + (y.month - x.month)
    tail_y = (y.day, y.hour, y.minute, y.second, y.microsecond)
    tail_x = (x.day, x.hour, x.minute, x.second, x.microsecond)
    if months > 0 and tail_y < tail_x:
        months -= 1
    elif months < 0 and tail_y > tail_x:
        months += 1
    return months


def _timestampdiff(unit: object, a: object, b: object) -> object:
    x, y = parse_datetime(a), parse_datetime(b)
    if x is None or y is None:
        return None
    name = str(unit).upper()
    if name in ("MONTH", "QUARTER", "YEAR"):
        months = _months_between(x, y)
        return int(months / {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[name])
    micros = (y - x) // datetime.timedelta(microseconds=1)
    per = {
        "MICROSECOND": 1,
        "SECOND": 1_000_000,
        "MINUTE": 60_000_000,
        "HOUR": 3_600_000_000,
        "DAY": 86_400_000_000,
        "WEEK": 604_800_000_000,
    }.get(name)
    if per is None:
        return None
    return int(micros / per) if abs(micros) < 2**52 else micros // per


def _timestampadd(unit: object, amount: object, value: object) -> object:
    return _date_add(value, amount, unit)


# -- formatting ------------------------------------------------------------------------------

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def format_date(moment: datetime.datetime, fmt: str, hours: int | None = None) -> str:
    """``DATE_FORMAT`` of ``moment`` (``hours`` overrides %H/%k for TIME_FORMAT over 24h)."""
    out: list[str] = []
    i = 0
    h = moment.hour if hours is None else hours
    h12 = (h % 12) or 12
    day = moment.date()
    while i < len(fmt):
        c = fmt[i]
        if c != "%" or i + 1 == len(fmt):
            out.append(c)
            i += 1
            continue
        spec = fmt[i + 1]
        i += 2
        table: dict[str, Callable[[], str]] = {
            "a": lambda: _DAYS[day.weekday()][:3],
            "b": lambda: _MONTHS[moment.month - 1][:3],
            "c": lambda: str(moment.month),
            "D": lambda: f"{moment.day}{_suffix(moment.day)}",
            "d": lambda: f"{moment.day:02d}",
            "e": lambda: str(moment.day),
            "f": lambda: f"{moment.microsecond:06d}",
            "H": lambda: f"{h:02d}",
            "h": lambda: f"{h12:02d}",
            "I": lambda: f"{h12:02d}",
            "i": lambda: f"{moment.minute:02d}",
            "j": lambda: f"{day.timetuple().tm_yday:03d}",
            "k": lambda: str(h),
            "l": lambda: str(h12),
            "M": lambda: _MONTHS[moment.month - 1],
            "m": lambda: f"{moment.month:02d}",
            "p": lambda: "AM" if h % 24 < 12 else "PM",
            "r": lambda: (
                f"{h12:02d}:{moment.minute:02d}:{moment.second:02d} "
                + ("AM" if h % 24 < 12 else "PM")
            ),
            "S": lambda: f"{moment.second:02d}",
            "s": lambda: f"{moment.second:02d}",
            "T": lambda: f"{h:02d}:{moment.minute:02d}:{moment.second:02d}",
            "U": lambda: f"{week_and_year(day, 0)[0]:02d}",
            "u": lambda: f"{week_and_year(day, 1)[0]:02d}",
            "V": lambda: f"{week_and_year(day, 2)[0]:02d}",
            "v": lambda: f"{week_and_year(day, 3)[0]:02d}",
            "W": lambda: _DAYS[day.weekday()],
            "w": lambda: str((day.weekday() + 1) % 7),
            "X": lambda: f"{week_and_year(day, 2)[1]:04d}",
            "x": lambda: f"{week_and_year(day, 3)[1]:04d}",
            "Y": lambda: f"{moment.year:04d}",
            "y": lambda: f"{moment.year % 100:02d}",
        }
        value = table.get(spec)
        out.append(value() if value is not None else spec)
    return "".join(out)


def _date_format(value: object, fmt: object) -> object:
    moment = parse_datetime(value)
    text = as_text(fmt)
    if moment is None or text is None:
        return None
    return format_date(moment, text)


def _time_format(value: object, fmt: object) -> object:
    t = parse_time(value)
    text = as_text(fmt)
    if t is None or text is None:
        return None
    seconds = abs(int(t.total_seconds()))
    moment = datetime.datetime(2000, 1, 1) + datetime.timedelta(
        seconds=seconds % 86400, microseconds=abs(t).microseconds
    )
    return format_date(moment, text, hours=seconds // 3600)


_PARSE_SPECS = {
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "m": r"(?P<m>\d{1,2})",
    "c": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "e": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "k": r"(?P<H>\d{1,2})",
    "h": r"(?P<I>\d{1,2})",
    "I": r"(?P<I>\d{1,2})",
    "l": r"(?P<I>\d{1,2})",
    "i": r"(?P<i>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "s": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
    "p": r"(?P<p>AM|PM|am|pm)",
    "M": r"(?P<M>[A-Za-z]+)",
    "b": r"(?P<b>[A-Za-z]{3})",
    "j": r"(?P<j>\d{1,3})",
    "T": r"(?P<H>\d{1,2}):(?P<i>\d{1,2}):(?P<S>\d{1,2})",
    "r": r"(?P<I>\d{1,2}):(?P<i>\d{1,2}):(?P<S>\d{1,2})\s*(?P<p>AM|PM|am|pm)",
    "a": r"[A-Za-z]{3}",
    "W": r"[A-Za-z]+",
    "%": "%",
}


def _str_to_date(value: object, fmt: object) -> object:
    text, pattern = as_text(value), as_text(fmt)
    if text is None or pattern is None:
        return None
    regex = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%" and i + 1 < len(pattern):
            spec = _PARSE_SPECS.get(pattern[i + 1])
            if spec is None:
                return None
            regex += r"\s*" + spec
            i += 2
        else:
            regex += r"\s*" if c.isspace() else re.escape(c)
            i += 1
    try:
        m = re.match(regex, text.strip())
    except re.error:
        return None
    if m is None:
        return None
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    year = (
        int(g["Y"])
        if "Y" in g
        else (2000 + int(g["y"]) if int(g.get("y", 0)) < 70 else 1900 + int(g["y"]))
        if "y" in g
        else 0
    )
    month = int(g.get("m", 0))
    names = [n.lower() for n in _MONTHS]
    if "M" in g:
        if g["M"].lower() not in names:
            return None
        month = names.index(g["M"].lower()) + 1
    if "b" in g:
        short = [n[:3] for n in names]
        if g["b"].lower() not in short:
            return None
        month = short.index(g["b"].lower()) + 1
    day = int(g.get("d", 0))
    hour = int(g.get("H", 0))
    if "I" in g:
        hour = int(g["I"]) % 12 + (12 if g.get("p", "").upper() == "PM" else 0)
    minute, second = int(g.get("i", 0)), int(g.get("S", 0))
    micro = int(g["f"].ljust(6, "0")) if "f" in g else 0
    has_date = any(k in g for k in ("Y", "y", "m", "d", "M", "b", "j"))
    has_time = any(k in g for k in ("H", "I", "i", "S", "f"))
    if "j" in g and year:
        start = datetime.date(year, 1, 1) + datetime.timedelta(days=int(g["j"]) - 1)
        month, day = start.month, start.day
    if has_date and (
        month > 12 or day > 31 or (month and day and year and not _valid(year, month, day))
    ):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    date_text = f"{year:04d}-{month:02d}-{day:02d}"
    time_text = f"{hour:02d}:{minute:02d}:{second:02d}" + (f".{micro:06d}" if "f" in g else "")
    if has_date and not has_time:
        return date_text
    if has_time and not has_date:
        return time_text
    return f"{date_text} {time_text}"


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(max(year, 1), month)[1]


def _last_day(value: object) -> object:
    moment = parse_datetime(value)
    if moment is None:
        return None
    last = calendar.monthrange(moment.year, moment.month)[1]
    return f"{moment.year:04d}-{moment.month:02d}-{last:02d}"


def _makedate(year: object, day: object) -> object:
    y, d = as_number(year), as_number(day)
    if y is None or d is None or int(d) <= 0:
        return None
    y = int(y)
    if 0 <= y < 70:
        y += 2000
    elif 70 <= y < 100:
        y += 1900
    try:
        moment = datetime.date(y, 1, 1) + datetime.timedelta(days=int(d) - 1)
    except (ValueError, OverflowError):
        return None
    return None if moment.year > 9999 else moment.isoformat()


def _makedate_time(h: object, m: object, s: object) -> object:
    hh, mm, ss = as_number(h), as_number(m), as_number(s)
    if hh is None or mm is None or ss is None or not (0 <= mm < 60 and 0 <= ss < 60):
        return None
    delta = datetime.timedelta(hours=abs(int(hh)), minutes=int(mm), seconds=float(ss))
    return _fmt_time(-delta if hh < 0 else delta)


def _dayname(value: object) -> object:
    moment = parse_datetime(value)
    return None if moment is None else _DAYS[moment.weekday()]


def _monthname(value: object) -> object:
    moment = parse_datetime(value)
    return None if moment is None else _MONTHS[moment.month - 1]


def _to_days(value: object) -> object:
    moment = parse_datetime(value)
    return None if moment is None else moment.date().toordinal() + 365


def _sec_to_time(value: object) -> object:
    number = as_number(value)
    if number is None:
        return None
    return _fmt_time(datetime.timedelta(seconds=float(number)))


def _time_to_sec(value: object) -> object:
    t = parse_time(value)
    return None if t is None else int(t.total_seconds())


def _cast_datetime(value: object, fsp: object) -> object:
    moment = parse_datetime(value)
    digits = as_number(fsp)
    if moment is None or digits is None:
        return None
    n = max(0, min(int(digits), 6))
    text = _fmt_datetime(moment, False)
    if n:
        text += "." + f"{moment.microsecond:06d}"[:n]
    return text


_OFFSET = re.compile(r"^([+-])(\d{1,2}):(\d{2})$")


def _zone(name: object) -> datetime.tzinfo | None:
    """A MySQL time zone: ``'+HH:MM'``, ``'SYSTEM'`` (the server runs in UTC) or a named zone.

    Unknown names give None (CONVERT_TZ then returns NULL, as MySQL does without the zone).
    """
    if not isinstance(name, str):
        return None
    text = name.strip()
    m = _OFFSET.match(text)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3))
        if minutes > 14 * 60:
            return None
        sign = -1 if m.group(1) == "-" else 1
        return datetime.timezone(datetime.timedelta(minutes=sign * minutes))
    if text.upper() in ("SYSTEM", "UTC"):
        return datetime.UTC
    if not text or len(text) > 64 or ".." in text or text.startswith("/"):
        return None
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _convert_tz(value: object, source: object, target: object) -> object:
    """CONVERT_TZ(dt, from_tz, to_tz); NULL for NULL arguments or unknown zones."""
    moment = parse_datetime(value)
    src, dst = _zone(source), _zone(target)
    if moment is None or src is None or dst is None:
        return None
    converted = moment.replace(tzinfo=src).astimezone(dst).replace(tzinfo=None)
    return _fmt_datetime(converted)


#: ``edb_*`` name -> (function, number of arguments or -1 for any).
DATE_FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "edb_convert_tz": (_convert_tz, 3),
    "edb_date_add": (_date_add, -1),
    "edb_adddate_days": (_adddate_days, -1),
    "edb_to_date": (_date, 1),
    "edb_cast_datetime": (_cast_datetime, 2),
    "edb_to_time": (_time, 1),
    "edb_year": (_part(lambda d: d.year), 1),
    "edb_month": (_part(lambda d: d.month), 1),
    "edb_day": (_part(lambda d: d.day), 1),
    "edb_hour": (_time_part(0), 1),
    "edb_minute": (_time_part(1), 1),
    "edb_second": (_time_part(2), 1),
    "edb_microsecond": (_time_part(3), 1),
    "edb_dayofweek": (_part(lambda d: (d.weekday() + 1) % 7 + 1), 1),
    "edb_weekday": (_part(lambda d: d.weekday()), 1),
    "edb_dayofyear": (_part(lambda d: d.timetuple().tm_yday), 1),
    "edb_quarter": (_part(lambda d: (d.month - 1) // 3 + 1), 1),
    "edb_week": (_week, -1),
    "edb_weekofyear": (lambda v: _week(v, 3), 1),
    "edb_yearweek": (_yearweek, -1),
    "edb_dayname": (_dayname, 1),
    "edb_monthname": (_monthname, 1),
    "edb_extract": (_extract, 2),
    "edb_datediff": (_datediff, 2),
    "edb_timediff": (_timediff, 2),
    "edb_timestampdiff": (_timestampdiff, 3),
    "edb_timestampadd": (_timestampadd, 3),
    "edb_date_format": (_date_format, 2),
    "edb_time_format": (_time_format, 2),
    "edb_str_to_date": (_str_to_date, 2),
    "edb_last_day": (_last_day, 1),
    "edb_makedate": (_makedate, 2),
    "edb_maketime": (_makedate_time, 3),
    "edb_to_days": (_to_days, 1),
    "edb_sec_to_time": (_sec_to_time, 1),
    "edb_time_to_sec": (_time_to_sec, 1),
}
