"""The MySQL function library: each case is ``SELECT <expr>`` with MySQL's documented result.

Expected values come from the MySQL 8.0 Reference Manual examples (sections 14.5-14.8 and
14.17), where the manual gives one; the rest follow the manual's rules as stated there.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from edb_proxy.sql import Database, OkResult, ResultSet
from tests.unit.sql.helpers import Client


@pytest.fixture(scope="module")
def fn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    path: Path = tmp_path_factory.mktemp("fn") / "edb.db"
    db = Database(path)
    db.initialize(["CREATE DATABASE app"])
    session = db.session(connection_id=1, user="root")
    session.use("app")
    session.variables["time_zone"] = "+00:00"
    yield Client(session)
    session.close()
    db.close()


STRING_CASES = [
    ("CONCAT('My', 'S', 'QL')", "MySQL"),
    ("CONCAT('My', NULL, 'QL')", None),
    ("CONCAT(14.3)", "14.3"),
    ("CONCAT('a', 1, 'b')", "a1b"),
    (
        "CONCAT_WS(',', 'First name', 'Second name', 'Last Name')",
        "First name,Second name,Last Name",
    ),
    ("CONCAT_WS(',', 'First name', NULL, 'Last Name')", "First name,Last Name"),
    ("CONCAT_WS(NULL, 'a', 'b')", None),
    ("LENGTH('text')", 4),
    ("LENGTH('\u00e9t\u00e9')", 5),
    ("CHAR_LENGTH('\u00e9t\u00e9')", 3),
    ("CHARACTER_LENGTH('abc')", 3),
    ("OCTET_LENGTH('\u00e9')", 2),
    ("LOWER('QUADRATICALLY')", "quadratically"),
    ("UPPER('Hej')", "HEJ"),
    ("UPPER('\u00e9t\u00e9')", "\u00c9T\u00c9"),
    ("SUBSTRING('Quadratically', 5)", "ratically"),
    ("SUBSTRING('foobarbar' FROM 4)", "barbar"),
    ("SUBSTRING('Quadratically', 5, 6)", "ratica"),
    ("SUBSTRING('Sakila', -3)", "ila"),
    ("SUBSTRING('Sakila', -5, 3)", "aki"),
    ("SUBSTRING('Sakila' FROM -4 FOR 2)", "ki"),
    ("SUBSTRING('Sakila', 0)", ""),
    ("SUBSTRING('Sakila', 10)", ""),
    ("SUBSTRING('Sakila', 2, 0)", ""),
    ("SUBSTR('Sakila', 2, 3)", "aki"),
    ("MID('Sakila', 2, 3)", "aki"),
    ("LEFT('foobarbar', 5)", "fooba"),
    ("LEFT('foo', 0)", ""),
    ("LEFT('foo', 10)", "foo"),
    ("RIGHT('foobarbar', 4)", "rbar"),
    ("RIGHT('foo', 0)", ""),
    ("LOCATE('bar', 'foobarbar')", 4),
    ("LOCATE('xbar', 'foobar')", 0),
    ("LOCATE('bar', 'foobarbar', 5)", 7),
    ("LOCATE('BAR', 'foobarbar')", 4),
    ("INSTR('foobarbar', 'bar')", 4),
    ("INSTR('xbar', 'foobar')", 0),
    ("POSITION('bar' IN 'foobarbar')", 4),
    ("REPLACE('www.mysql.com', 'w', 'Ww')", "WwWwWw.mysql.com"),
    ("TRIM('  bar   ')", "bar"),
    ("TRIM(LEADING 'x' FROM 'xxxbarxxx')", "barxxx"),
    ("TRIM(BOTH 'x' FROM 'xxxbarxxx')", "bar"),
    ("TRIM(TRAILING 'xyz' FROM 'barxxyz')", "barx"),
    ("TRIM('x' FROM 'xxbarxx')", "bar"),
    ("LTRIM('  barbar')", "barbar"),
    ("RTRIM('barbar   ')", "barbar"),
    ("LPAD('hi', 4, '??')", "??hi"),
    ("LPAD('hi', 1, '??')", "h"),
    ("LPAD('hi', 5, 'ab')", "abahi"),
    ("RPAD('hi', 5, '?')", "hi???"),
    ("RPAD('hi', 1, '?')", "h"),
    ("LPAD('hi', -1, '?')", None),
    ("REPEAT('MySQL', 3)", "MySQLMySQLMySQL"),
    ("REPEAT('a', 0)", ""),
    ("REVERSE('abc')", "cba"),
    ("SPACE(6)", "      "),
    ("FIELD('Bb', 'Aa', 'Bb', 'Cc', 'Dd', 'Ff')", 2),
    ("FIELD('Gg', 'Aa', 'Bb', 'Cc', 'Dd', 'Ff')", 0),
    ("FIELD('bb', 'Aa', 'BB')", 2),
    ("FIELD(NULL, 'a', NULL)", 0),
    ("FIELD(2, 1, 2, 3)", 2),
    ("FIND_IN_SET('b', 'a,b,c,d')", 2),
    ("FIND_IN_SET('e', 'a,b,c,d')", 0),
    ("FIND_IN_SET('b', '')", 0),
    ("FIND_IN_SET(NULL, 'a')", None),
    ("ELT(1, 'Aa', 'Bb', 'Cc', 'Dd')", "Aa"),
    ("ELT(4, 'Aa', 'Bb', 'Cc', 'Dd')", "Dd"),
    ("ELT(5, 'Aa', 'Bb')", None),
    ("INSERT('Quadratic', 3, 4, 'What')", "QuWhattic"),
    ("INSERT('Quadratic', -1, 4, 'What')", "Quadratic"),
    ("INSERT('Quadratic', 3, 100, 'What')", "QuWhat"),
    ("HEX('abc')", "616263"),
    ("HEX(255)", "FF"),
    ("HEX(-1)", "FFFFFFFFFFFFFFFF"),
    ("UNHEX('4D7953514C')", b"MySQL"),
    ("UNHEX('GG')", None),
    ("MD5('testing')", "ae2b1fca515949e5d54fb22b8ed95575"),
    ("SHA1('abc')", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("SHA('abc')", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("SHA2('abc', 224)", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"),
    ("SHA2('abc', 256)", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("SHA2('abc', 0)", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("SHA2('abc', 100)", None),
    ("TO_BASE64('abc')", "YWJj"),
    ("FROM_BASE64(TO_BASE64('abc'))", b"abc"),
    ("FROM_BASE64('!!')", None),
    ("FORMAT(12332.123456, 4)", "12,332.1235"),
    ("FORMAT(12332.1, 4)", "12,332.1000"),
    ("FORMAT(12332.2, 0)", "12,332"),
    ("FORMAT(-1234567.5, 0)", "-1,234,568"),
    ("QUOTE('Don''t!')", "'Don\\'t!'"),
    ("QUOTE(NULL)", "NULL"),
    ("ASCII('2')", 50),
    ("ASCII(2)", 50),
    ("ASCII('dx')", 100),
    ("ASCII('')", 0),
    ("ORD('2')", 50),
    ("ORD('\u00e9')", 0xC3A9),
    ("CHAR(77, 121, 83, 81, 76)", b"MySQL"),
    ("CHAR(256)", b"\x01\x00"),
    ("LOWER(NULL)", None),
]


@pytest.mark.parametrize(("expr", "expected"), STRING_CASES, ids=[c[0] for c in STRING_CASES])
def test_string_functions(fn: Client, expr: str, expected: object) -> None:
    assert fn.value(f"SELECT {expr}") == expected


MATH_CASES = [
    ("ABS(2)", 2),
    ("ABS(-32)", 32),
    ("CEILING(1.23)", 2),
    ("CEIL(-1.23)", -1),
    ("FLOOR(1.23)", 1),
    ("FLOOR(-1.23)", -2),
    ("ROUND(-1.23)", -1),
    ("ROUND(-1.58)", -2),
    ("ROUND(1.58)", 2),
    ("ROUND(1.298, 1)", Decimal("1.3")),
    ("ROUND(1.298, 0)", 1),
    ("ROUND(23.298, -1)", 20),
    ("ROUND(2.5)", 3),
    ("ROUND(-2.5)", -3),
    ("ROUND(0.125, 2)", Decimal("0.13")),
    ("ROUND(150, -2)", 200),
    ("ROUND(NULL)", None),
    ("TRUNCATE(1.223, 1)", Decimal("1.2")),
    ("TRUNCATE(1.999, 1)", Decimal("1.9")),
    ("TRUNCATE(1.999, 0)", 1),
    ("TRUNCATE(-1.999, 1)", Decimal("-1.9")),
    ("TRUNCATE(122, -2)", 100),
    ("MOD(234, 10)", 4),
    ("253 % 7", 1),
    ("MOD(29, 9)", 2),
    ("29 MOD 9", 2),
    ("MOD(-7, 3)", -1),
    ("MOD(7, 0)", None),
    ("MOD(34.5, 3)", Decimal("1.5")),
    ("5 DIV 2", 2),
    ("-5 DIV 2", -2),
    ("5 DIV 0", None),
    ("POW(2, 2)", 4.0),
    ("POWER(2, -2)", 0.25),
    ("SQRT(4)", 2.0),
    ("SQRT(20)", 4.47213595499958),
    ("SQRT(-16)", None),
    ("EXP(0)", 1.0),
    ("LN(1)", 0.0),
    ("LN(-2)", None),
    ("LOG(1)", 0.0),
    ("LOG(2, 65536)", 16.0),
    ("LOG(10, 100)", 2.0),
    ("LOG(1, 100)", None),
    ("LOG2(65536)", 16.0),
    ("LOG2(-100)", None),
    ("LOG10(100)", 2.0),
    ("LOG10(-100)", None),
    ("SIGN(-32)", -1),
    ("SIGN(0)", 0),
    ("SIGN(234)", 1),
    ("PI()", 3.141592653589793),
    ("GREATEST(2, 0)", 2),
    ("GREATEST(34.0, 3.0, 5.0, 767.0)", Decimal("767.0")),
    ("GREATEST('B', 'A', 'C')", "C"),
    ("GREATEST(1, NULL, 3)", None),
    ("LEAST(2, 0)", 0),
    ("LEAST('B', 'A', 'C')", "A"),
    ("LEAST(1, NULL)", None),
    ("RAND(3) = RAND(3)", 1),
    ("RAND() < 1", 1),
    ("IF(1 > 2, 2, 3)", 3),
    ("IF(1 < 2, 'yes', 'no')", "yes"),
    ("IFNULL(1, 0)", 1),
    ("IFNULL(NULL, 10)", 10),
    ("NULLIF(1, 1)", None),
    ("NULLIF(1, 2)", 1),
    ("COALESCE(NULL, 1)", 1),
    ("COALESCE(NULL, NULL, NULL)", None),
    ("CASE 1 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'more' END", "one"),
    ("CASE WHEN 1 > 0 THEN 'true' ELSE 'false' END", "true"),
]


def _same(actual: object, expected: object) -> bool:
    if isinstance(expected, float):
        return isinstance(actual, float) and abs(actual - expected) < 1e-12
    if isinstance(expected, Decimal):
        return Decimal(str(actual)) == expected
    return actual == expected


@pytest.mark.parametrize(("expr", "expected"), MATH_CASES, ids=[c[0] for c in MATH_CASES])
def test_math_functions(fn: Client, expr: str, expected: object) -> None:
    actual = fn.value(f"SELECT {expr}")
    assert _same(actual, expected), actual


DATE_CASES = [
    ("DATE('2003-12-31 01:02:03')", "2003-12-31"),
    ("DATE('not a date')", None),
    ("TIME('2003-12-31 01:02:03')", "01:02:03"),
    ("TIME('2003-12-31 01:02:03.000123')", "01:02:03.000123"),
    ("YEAR('1987-01-01')", 1987),
    ("MONTH('2008-02-03')", 2),
    ("DAY('2007-02-03')", 3),
    ("DAYOFMONTH('2007-02-03')", 3),
    ("HOUR('10:05:03')", 10),
    ("HOUR('272:59:59')", 272),
    ("MINUTE('2008-02-03 10:05:03')", 5),
    ("SECOND('10:05:03')", 3),
    ("MICROSECOND('12:00:00.123456')", 123456),
    ("MICROSECOND('2019-12-31 23:59:59.000010')", 10),
    ("DAYOFWEEK('2007-02-03')", 7),
    ("WEEKDAY('2008-02-03 22:23:00')", 6),
    ("WEEKDAY('2007-11-06')", 1),
    ("DAYOFYEAR('2007-02-03')", 34),
    ("WEEK('2008-02-20')", 7),
    ("WEEK('2008-02-20', 0)", 7),
    ("WEEK('2008-02-20', 1)", 8),
    ("WEEK('2008-12-31', 1)", 53),
    ("WEEK('2000-01-01', 0)", 0),
    ("WEEK('2000-01-01', 2)", 52),
    ("WEEK('2008-12-29', 3)", 1),
    ("WEEKOFYEAR('2008-02-20')", 8),
    ("YEARWEEK('1987-01-01')", 198652),
    ("QUARTER('2008-04-01')", 2),
    ("DAYNAME('2007-02-03')", "Saturday"),
    ("MONTHNAME('2008-02-03')", "February"),
    ("DATE_ADD('2018-05-01', INTERVAL 1 DAY)", "2018-05-02"),
    ("DATE_SUB('2018-05-01', INTERVAL 1 YEAR)", "2017-05-01"),
    ("DATE_ADD('2020-12-31 23:59:59', INTERVAL 1 SECOND)", "2021-01-01 00:00:00"),
    ("DATE_ADD('2018-12-31 23:59:59', INTERVAL 1 DAY)", "2019-01-01 23:59:59"),
    ("DATE_ADD('2100-12-31 23:59:59', INTERVAL '1:1' MINUTE_SECOND)", "2101-01-01 00:01:00"),
    ("DATE_SUB('2025-01-01 00:00:00', INTERVAL '1 1:1:1' DAY_SECOND)", "2024-12-30 22:58:59"),
    ("DATE_ADD('1900-01-01 00:00:00', INTERVAL '-1 10' DAY_HOUR)", "1899-12-30 14:00:00"),
    ("DATE_SUB('1998-01-02', INTERVAL 31 DAY)", "1997-12-02"),
    (
        "DATE_ADD('1992-12-31 23:59:59.000002', INTERVAL '1.999999' SECOND_MICROSECOND)",
        "1993-01-01 00:00:01.000001",
    ),
    ("DATE_ADD('2024-01-31', INTERVAL 1 MONTH)", "2024-02-29"),
    ("DATE_ADD('2024-02-29', INTERVAL 1 YEAR)", "2025-02-28"),
    ("DATE_ADD('2024-01-01', INTERVAL 1 HOUR)", "2024-01-01 01:00:00"),
    ("DATE_ADD('2024-01-01', INTERVAL 2 WEEK)", "2024-01-15"),
    ("DATE_ADD('2024-01-01', INTERVAL 1 QUARTER)", "2024-04-01"),
    ("DATE_ADD('2024-01-01', INTERVAL '1-2' YEAR_MONTH)", "2025-03-01"),
    ("ADDDATE('2008-01-02', INTERVAL 31 DAY)", "2008-02-02"),
    ("ADDDATE('2008-01-02', 31)", "2008-02-02"),
    ("SUBDATE('2008-01-02', 31)", "2007-12-02"),
    ("SUBDATE('2008-01-02 12:00:00', INTERVAL 31 DAY)", "2007-12-02 12:00:00"),
    ("'2018-12-31 23:59:59' + INTERVAL 1 SECOND", "2019-01-01 00:00:00"),
    ("'2025-01-01' - INTERVAL 1 SECOND", "2024-12-31 23:59:59"),
    ("DATE_ADD(NULL, INTERVAL 1 DAY)", None),
    ("DATEDIFF('2007-12-31 23:59:59', '2007-12-30')", 1),
    ("DATEDIFF('2010-11-30 23:59:59', '2010-12-31')", -31),
    ("TIMEDIFF('2000-01-01 00:00:00', '2000-01-01 00:00:00.000001')", "-00:00:00.000001"),
    ("TIMEDIFF('2008-12-31 23:59:59.000001', '2008-12-30 01:01:01.000002')", "46:58:57.999999"),
    ("TIMEDIFF('10:00:00', '09:30:00')", "00:30:00"),
    ("TIMESTAMPDIFF(MONTH, '2003-02-01', '2003-05-01')", 3),
    ("TIMESTAMPDIFF(YEAR, '2002-05-01', '2001-01-01')", -1),
    ("TIMESTAMPDIFF(MINUTE, '2003-02-01', '2003-05-01 12:05:55')", 128885),
    ("TIMESTAMPDIFF(DAY, '2024-01-01 12:00:00', '2024-01-02 11:59:59')", 0),
    ("TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-02-29')", 0),
    ("TIMESTAMPADD(MINUTE, 1, '2003-01-02')", "2003-01-02 00:01:00"),
    ("TIMESTAMPADD(WEEK, 1, '2003-01-02')", "2003-01-09"),
    ("DATE_FORMAT('2009-10-04 22:23:00', '%W %M %Y')", "Sunday October 2009"),
    ("DATE_FORMAT('2007-10-04 22:23:00', '%H:%i:%s')", "22:23:00"),
    ("DATE_FORMAT('1900-10-04 22:23:00', '%D %y %a %d %m %b %j')", "4th 00 Thu 04 10 Oct 277"),
    (
        "DATE_FORMAT('1997-10-04 22:23:00', '%H %k %I %r %T %S %w')",
        "22 22 10 10:23:00 PM 22:23:00 00 6",
    ),
    ("DATE_FORMAT('1999-01-01', '%X %V')", "1998 52"),
    ("DATE_FORMAT('2006-06-00', '%d')", None),
    ("DATE_FORMAT('2024-03-01 05:06:07.000008', '%e/%c %l %p %f %%')", "1/3 5 AM 000008 %"),
    ("DATE_FORMAT('2024-01-01', '%U %u %v %x')", "00 01 01 2024"),
    ("TIME_FORMAT('100:00:00', '%H %k %h %I %l')", "100 100 04 04 4"),
    ("STR_TO_DATE('01,5,2013', '%d,%m,%Y')", "2013-05-01"),
    ("STR_TO_DATE('May 1, 2013', '%M %d,%Y')", "2013-05-01"),
    ("STR_TO_DATE('a09:30:17', 'a%h:%i:%s')", "09:30:17"),
    ("STR_TO_DATE('a09:30:17', '%h:%i:%s')", None),
    ("STR_TO_DATE('09:30:17a', '%h:%i:%s')", "09:30:17"),
    ("STR_TO_DATE('2013-05-01 10:11:12 PM', '%Y-%m-%d %h:%i:%s %p')", "2013-05-01 22:11:12"),
    ("STR_TO_DATE('2013-02-30', '%Y-%m-%d')", None),
    ("UNIX_TIMESTAMP('2015-11-13 10:20:19')", 1447410019),
    ("UNIX_TIMESTAMP('2015-11-13 10:20:19.012')", "1447410019.012000"),
    ("FROM_UNIXTIME(1447430881)", "2015-11-13 16:08:01"),
    ("FROM_UNIXTIME(1447430881, '%Y %D %M %h:%i:%s %x')", "2015 13th November 04:08:01 2015"),
    ("LAST_DAY('2003-02-05')", "2003-02-28"),
    ("LAST_DAY('2004-02-05')", "2004-02-29"),
    ("LAST_DAY('2004-01-01 01:01:01')", "2004-01-31"),
    ("LAST_DAY('2003-03-32')", None),
    ("MAKEDATE(2011, 31)", "2011-01-31"),
    ("MAKEDATE(2011, 32)", "2011-02-01"),
    ("MAKEDATE(2011, 365)", "2011-12-31"),
    ("MAKEDATE(2014, 365)", "2014-12-31"),
    ("MAKEDATE(2011, 0)", None),
    ("MAKETIME(12, 15, 30)", "12:15:30"),
    ("EXTRACT(YEAR FROM '2019-07-02')", 2019),
    ("EXTRACT(YEAR_MONTH FROM '2019-07-02 01:02:03')", 201907),
    ("EXTRACT(DAY_MINUTE FROM '2019-07-02 01:02:03')", 20102),
    ("EXTRACT(MICROSECOND FROM '2003-01-02 10:30:00.000123')", 123),
    ("EXTRACT(HOUR FROM '10:30:00')", 10),
    ("TO_DAYS('2007-10-07')", 733321),
    ("SEC_TO_TIME(2378)", "00:39:38"),
    ("TIME_TO_SEC('22:23:00')", 80580),
    ("TIME_TO_SEC('00:39:38')", 2378),
]


@pytest.mark.parametrize(("expr", "expected"), DATE_CASES, ids=[c[0] for c in DATE_CASES])
def test_date_functions(fn: Client, expr: str, expected: object) -> None:
    assert fn.value(f"SELECT {expr}") == expected


JSON_CASES = [
    ("JSON_EXTRACT('[10, 20, [30, 40]]', '$[1]')", "20"),
    ("JSON_EXTRACT('[10, 20, [30, 40]]', '$[1]', '$[0]')", "[20, 10]"),
    ("JSON_EXTRACT('[10, 20, [30, 40]]', '$[2][*]')", "[30, 40]"),
    ("JSON_EXTRACT('{\"a\": 1}', '$.b')", None),
    ('JSON_EXTRACT(\'{"a": {"b c": 2}}\', \'$.a."b c"\')', "2"),
    ("JSON_EXTRACT('[1, 2, 3]', '$[last]')", "3"),
    ("JSON_EXTRACT('[1, 2, 3]', '$[last-1]')", "2"),
    ("JSON_EXTRACT('{\"a\": [1, {\"b\": 5}]}', '$**.b')", "[5]"),
    ('\'{"id": 3, "name": "Barney"}\' -> \'$.name\'', '"Barney"'),
    ('\'{"id": 3, "name": "Barney"}\' ->> \'$.name\'', "Barney"),
    ("'{\"id\": 3}' ->> '$.id'", "3"),
    ("JSON_UNQUOTE('\"abc\"')", "abc"),
    ("JSON_UNQUOTE('[1, 2]')", "[1, 2]"),
    ("JSON_UNQUOTE('\"\\\\t\\\\u0032\"')", "\t2"),
    ("JSON_OBJECT('id', 87, 'name', 'carrot')", '{"id": 87, "name": "carrot"}'),
    ("JSON_OBJECT('b', 1, 'a', 2)", '{"a": 2, "b": 1}'),
    ("JSON_OBJECT('k', NULL)", '{"k": null}'),
    ("JSON_OBJECT()", "{}"),
    ("JSON_ARRAY(1, 'abc', NULL, 1.5)", '[1, "abc", null, 1.5]'),
    ("JSON_ARRAY()", "[]"),
    ('JSON_CONTAINS(\'{"a": 1, "b": 2, "c": {"d": 4}}\', \'1\', \'$.a\')', 1),
    ('JSON_CONTAINS(\'{"a": 1, "b": 2, "c": {"d": 4}}\', \'1\', \'$.b\')', 0),
    ('JSON_CONTAINS(\'{"a": 1, "b": 2, "c": {"d": 4}}\', \'{"d": 4}\', \'$.a\')', 0),
    ('JSON_CONTAINS(\'{"a": 1, "b": 2, "c": {"d": 4}}\', \'{"d": 4}\', \'$.c\')', 1),
    ("JSON_CONTAINS('[1, 2, [3, 4]]', '[1, 3]')", 1),
    ("JSON_CONTAINS('[1, 2]', '\"1\"')", 0),
    ("JSON_CONTAINS_PATH('{\"a\": 1, \"b\": 2}', 'one', '$.a', '$.e')", 1),
    ("JSON_CONTAINS_PATH('{\"a\": 1, \"b\": 2}', 'all', '$.a', '$.e')", 0),
    ("JSON_LENGTH('[1, 2, {\"a\": 3}]')", 3),
    ('JSON_LENGTH(\'{"a": 1, "b": {"c": 30}}\')', 2),
    ('JSON_LENGTH(\'{"a": 1, "b": {"c": 30}}\', \'$.b\')', 1),
    ("JSON_LENGTH('5')", 1),
    ('JSON_KEYS(\'{"a": 1, "b": {"c": 30}}\')', '["a", "b"]'),
    ('JSON_KEYS(\'{"a": 1, "b": {"c": 30}}\', \'$.b\')', '["c"]'),
    ("JSON_KEYS('[1]')", None),
    (
        "JSON_SET('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', '[true, false]')",
        '{"a": 10, "b": [2, 3], "c": "[true, false]"}',
    ),
    (
        "JSON_INSERT('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', '[true, false]')",
        '{"a": 1, "b": [2, 3], "c": "[true, false]"}',
    ),
    (
        "JSON_REPLACE('{ \"a\": 1, \"b\": [2, 3]}', '$.a', 10, '$.c', '[true, false]')",
        '{"a": 10, "b": [2, 3]}',
    ),
    ("JSON_SET('[1, 2]', '$[5]', 3)", "[1, 2, 3]"),
    ('JSON_REMOVE(\'["a", ["b", "c"], "d"]\', \'$[1]\')', '["a", "d"]'),
    ("JSON_REMOVE('{\"a\": 1, \"b\": 2}', '$.a')", '{"b": 2}'),
    ("JSON_VALID('{\"a\": 1}')", 1),
    ("JSON_VALID('hello')", 0),
    ("JSON_VALID('\"hello\"')", 1),
    ("JSON_VALID(NULL)", None),
    ('JSON_TYPE(\'["a", "b", 1]\')', "ARRAY"),
    ("JSON_TYPE('{\"a\": 1}')", "OBJECT"),
    ("JSON_TYPE('1')", "INTEGER"),
    ("JSON_TYPE('1.5')", "DOUBLE"),
    ("JSON_TYPE('true')", "BOOLEAN"),
    ("JSON_TYPE('null')", "NULL"),
    ("JSON_TYPE('\"s\"')", "STRING"),
    ("JSON_QUOTE('null')", '"null"'),
    ("JSON_QUOTE('\"abc\"')", '"\\"abc\\""'),
]


@pytest.mark.parametrize(("expr", "expected"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_functions(fn: Client, expr: str, expected: object) -> None:
    assert fn.value(f"SELECT {expr}") == expected


ERROR_CASES = [
    ("JSON_EXTRACT('{bad', '$.a')", 3141),
    ("JSON_EXTRACT('{}', '$.a[x]')", 3143),
    ("JSON_SET('{}', '$.*', 1)", 3149),
    ("JSON_TYPE('x')", 3141),
    ("JSON_OBJECT('a', 1, 'b')", 1064),
    ("JSON_ARRAY_APPEND('[]', '$', 1)", 1235),
    ("NO_SUCH_FUNCTION(1)", 1305),
    ("SLEEP(1)", 1235),
]


@pytest.mark.parametrize(("expr", "errno"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_function_errors(fn: Client, expr: str, errno: int) -> None:
    assert fn.error(f"SELECT {expr}").errno == errno


def test_functions_over_columns(fn: Client) -> None:
    fn.run("CREATE TABLE IF NOT EXISTS people (id INT PRIMARY KEY, name VARCHAR(20), born DATE)")
    fn.run("DELETE FROM people")
    fn.run("INSERT INTO people VALUES (1, 'ada', '1815-12-10'), (2, 'alan', '1912-06-23')")
    rows = fn.rows(
        "SELECT UPPER(name), YEAR(born), DATE_FORMAT(born, '%b %e'), LPAD(id, 3, '0')"
        " FROM people ORDER BY id"
    )
    assert rows == [("ADA", 1815, "Dec 10", "001"), ("ALAN", 1912, "Jun 23", "002")]
    assert fn.rows("SELECT id FROM people WHERE LEFT(name, 2) = 'al'") == [(2,)]
    assert fn.rows(
        "SELECT id FROM people WHERE born > DATE_SUB('1900-01-01', INTERVAL 1 YEAR)"
    ) == [(2,)]
    fn.run("UPDATE people SET name = CONCAT(name, '!') WHERE id = 1")
    assert fn.value("SELECT name FROM people WHERE id = 1") == "ada!"


def test_cached_shapes_keep_semantics(fn: Client) -> None:
    """The same shape with different literals (statement cache) gives each literal's result."""
    assert fn.value("SELECT SUBSTRING('Sakila', -3)") == "ila"
    assert fn.value("SELECT SUBSTRING('Quadratically', 5)") == "ratically"
    assert fn.value("SELECT LEFT('abc', 1)") == "a"
    assert fn.value("SELECT LEFT('xyz', 2)") == "xy"


CAST_CASES = [
    ("CAST('12abc' AS SIGNED)", 12),
    ("CAST(-1 AS UNSIGNED)", 18446744073709551615),
    ("CAST(1 - 2 AS UNSIGNED)", 18446744073709551615),
    ("CAST(1.235 AS DECIMAL(5,2))", Decimal("1.24")),
    ("CAST('abcdef' AS CHAR(3))", "abc"),
    ("CAST(12345 AS CHAR(2))", "12"),
    ("CAST('2024-01-02 10:11:12' AS DATE)", "2024-01-02"),
    ("CAST('2024-01-02' AS DATETIME)", "2024-01-02 00:00:00"),
    ("CAST('2024-01-02 10:11:12.123456' AS DATETIME(3))", "2024-01-02 10:11:12.123"),
    ("CAST('10:11' AS TIME)", "10:11:00"),
    ('CAST(\'{"b":1,"a":2}\' AS JSON)', '{"a": 2, "b": 1}'),
    ("CAST(5 AS JSON)", "5"),
    ("CONVERT('12', SIGNED)", 12),
    ("CAST('a' AS BINARY)", b"a"),
]


@pytest.mark.parametrize(("expr", "expected"), CAST_CASES, ids=[c[0] for c in CAST_CASES])
def test_casts(fn: Client, expr: str, expected: object) -> None:
    assert fn.value(f"SELECT {expr}") == expected


def test_user_variable_assignment_in_select(fn: Client) -> None:
    assert fn.rows("SELECT @v := 5, @v") == [(5, 5)]
    assert fn.value("SELECT @v + 1") == 6
    fn.run("SET @a = 1.5")
    assert fn.value("SELECT @a * 2") == 3.0
    fn.run("SET @s = 'x'")
    assert fn.value("SELECT CONCAT(@s, @s)") == "xx"


DIVISION_CASES = [
    ("7/2", Decimal("3.5000")),
    ("1/3", Decimal("0.3333")),
    ("1.5/0.5", Decimal("3.00000")),
    ("10/4", Decimal("2.5000")),
    ("-7 DIV 2", -3),
    ("7 % 3", 1),
    ("-7 % 3", -1),
]


@pytest.mark.parametrize(("expr", "expected"), DIVISION_CASES, ids=[c[0] for c in DIVISION_CASES])
def test_division(fn: Client, expr: str, expected: object) -> None:
    assert fn.value(f"SELECT {expr}") == expected


@pytest.mark.parametrize("expr", ["1/0", "5 DIV 0", "MOD(5, 0)", "5 % 0", "1.5/0"])
def test_division_by_zero_is_null_with_warning(fn: Client, expr: str) -> None:
    fn.run("CREATE TABLE IF NOT EXISTS one_row (x INT)")
    if not fn.rows("SELECT x FROM one_row"):
        fn.run("INSERT INTO one_row VALUES (1)")
    result = fn.run(f"SELECT {expr} FROM one_row")
    assert isinstance(result, ResultSet)
    assert result.rows == [(None,)]
    assert result.warnings == 1
    assert fn.rows("SHOW WARNINGS") == [("Warning", 1365, "Division by 0")]


def test_division_by_zero_in_strict_write_is_an_error(fn: Client) -> None:
    fn.run("CREATE TABLE IF NOT EXISTS dz (a INT)")
    err = fn.error("INSERT INTO dz VALUES (1/0)")
    assert (err.errno, err.message) == (1365, "Division by 0")
    fn.run("SET sql_mode = 'STRICT_TRANS_TABLES'")  # without ERROR_FOR_DIVISION_BY_ZERO
    try:
        ok = fn.run("INSERT INTO dz VALUES (1/0)")
        assert isinstance(ok, OkResult) and ok.warnings == 1
    finally:
        fn.run("SET sql_mode = DEFAULT")
    assert fn.rows("SELECT a FROM dz") == [(None,)]


NESTED_JSON = [
    ("JSON_ARRAY(JSON_OBJECT('a', 1), 2)", '[{"a": 1}, 2]'),
    ("JSON_OBJECT('k', JSON_ARRAY(1, 2))", '{"k": [1, 2]}'),
    ("JSON_SET('{}', '$.a', JSON_ARRAY(1))", '{"a": [1]}'),
    ("JSON_SET('{}', '$.a', '[1]')", '{"a": "[1]"}'),
    ("JSON_ARRAY(JSON_EXTRACT('{\"x\": {\"y\": 1}}', '$.x'))", '[{"y": 1}]'),
    ("JSON_OBJECT('j', CAST('[true]' AS JSON))", '{"j": [true]}'),
]


@pytest.mark.parametrize(("expr", "expected"), NESTED_JSON, ids=[c[0] for c in NESTED_JSON])
def test_nested_json_values(fn: Client, expr: str, expected: str) -> None:
    assert fn.value(f"SELECT {expr}") == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("CONVERT_TZ('2001-01-01 01:00:00', 'UTC', 'UTC') IS NOT NULL", 1),  # Django's probe
        ("CONVERT_TZ('2004-01-01 12:00:00', '+00:00', '+10:00')", "2004-01-01 22:00:00"),
        ("CONVERT_TZ('2004-01-01 12:00:00', '-01:30', '+00:00')", "2004-01-01 13:30:00"),
        ("CONVERT_TZ('2004-01-01 12:00:00', 'Nope/Zone', 'UTC')", None),
        ("CONVERT_TZ(NULL, 'UTC', 'UTC')", None),
        ("CONVERT_TZ('2004-01-01 12:00:00', '+15:00', 'UTC')", None),
    ],
)
def test_convert_tz(fn: Client, expr: str, expected: object) -> None:
    assert fn.value(f"SELECT {expr}") == expected
