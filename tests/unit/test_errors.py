"""The error map is total and consistent (STYLE.md habit 4)."""

from __future__ import annotations

import re

from edb_proxy.errors import ER, EngineBusy, SQLError


def test_errnos_are_unique() -> None:
    numbers = [kind.errno for kind in ER]
    assert len(numbers) == len(set(numbers))


def test_sqlstates_are_well_formed() -> None:
    for kind in ER:
        assert re.fullmatch(r"[0-9A-Z]{5}", kind.sqlstate), kind


def test_names_are_mysql_names() -> None:
    # MySQL spells its error names ER_* and a few warnings WARN_* (WARN_DATA_TRUNCATED).
    for kind in ER:
        assert kind.name.startswith(("ER_", "WARN_")), kind


def test_reference_codes_from_testing_catalogue() -> None:
    expected = {
        "ER_SECURE_TRANSPORT_REQUIRED": (3159, "08004"),
        "ER_ACCESS_DENIED_ERROR": (1045, "28000"),
        "ER_NET_PACKET_TOO_LARGE": (1153, "08S01"),
        "ER_NET_PACKETS_OUT_OF_ORDER": (1156, "08S01"),
        "ER_UNKNOWN_COM_ERROR": (1047, "08S01"),
        "ER_CON_COUNT_ERROR": (1040, "08004"),
        "ER_HANDSHAKE_ERROR": (1043, "08S01"),
        "ER_PARSE_ERROR": (1064, "42000"),
        "ER_DUP_ENTRY": (1062, "23000"),
        "ER_NO_SUCH_TABLE": (1146, "42S02"),
        "ER_TABLE_CORRUPT": (1877, "HY000"),
        "ER_LOCK_DEADLOCK": (1213, "40001"),
    }
    for name, value in expected.items():
        assert ER[name].value == value


def test_engine_busy_is_a_lock_wait() -> None:
    exc = EngineBusy()
    assert isinstance(exc, SQLError)
    assert exc.errno == 1205
