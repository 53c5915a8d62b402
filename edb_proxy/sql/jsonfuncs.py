"""MySQL JSON functions (``edb_json_*``) over JSON text.

JSON values are stored and passed as text; results are MySQL's canonical text: objects with
keys sorted by length then bytes, ``", "`` and ``": "`` separators, non-ASCII characters kept
(MySQL 8.0 manual 13.5 "The JSON Data Type" and 14.17 "JSON Functions",
https://dev.mysql.com/doc/refman/8.0/en/json.html).

Paths: ``$``, ``.key``, ``."quoted key"``, ``[n]``, ``[last]``, ``[last-n]``; the wildcards
``.*``, ``[*]`` and ``**`` are read by JSON_EXTRACT/JSON_CONTAINS_PATH only (3149 elsewhere).
Invalid JSON text is 3141 (in a function argument); an invalid path is 3143.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.libstring import as_text

__all__ = ["JSON_FUNCTIONS", "JSON_MARK", "canonical_json", "check_json"]

_MISSING = object()


def _sort_key(key: str) -> tuple[int, bytes]:
    raw = key.encode("utf-8", "surrogatepass")
    return len(raw), raw


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalize(value[k]) for k in sorted(value, key=_sort_key)}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """MySQL's text form of a JSON value."""
    return json.dumps(_normalize(value), ensure_ascii=False, separators=(", ", ": "))


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject)


def _reject(name: str) -> Any:
    raise ValueError(name)


def check_json(value: object) -> str | None:
    """The canonical text of JSON ``value``; raises 3140 when it is not valid JSON."""
    if value is None:
        return None
    try:
        return canonical_json(_loads(as_text(value) or ""))
    except ValueError:
        raise SQLError(ER.ER_INVALID_JSON_TEXT, "Invalid JSON text: 'Invalid value.'") from None


def _doc(value: object, position: int, fn: str) -> Any:
    """Parse JSON argument ``position`` (1-based) of ``fn`` (3141 when invalid)."""
    try:
        return _loads(as_text(value) or "")
    except ValueError:
        raise SQLError(
            ER.ER_INVALID_JSON_TEXT_IN_PARAM,
            f"Invalid JSON text in argument {position} to function {fn}: 'Invalid value.'",
        ) from None


_STEP = re.compile(
    r"""\s*(?:
      \.\s*(?P<key>[A-Za-z_$][\w$]*)
    | \.\s*"(?P<qkey>(?:[^"\\]|\\.)*)"
    | \.\s*(?P<star>\*)
    | \[\s*(?P<index>\d+|last(?:\s*-\s*\d+)?|\*)\s*\]
    | (?P<dstar>\*\*)
    )""",
    re.VERBOSE,
)


def _path(value: object, wildcards: bool = False) -> list[tuple[str, Any]]:
    text = (as_text(value) or "").strip()
    if not text.startswith("$"):
        raise _bad_path(text)
    steps: list[tuple[str, Any]] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None or m.end() == pos:
            raise _bad_path(text)
        pos = m.end()
        if m.group("key") is not None:
            steps.append(("key", m.group("key")))
        elif m.group("qkey") is not None:
            steps.append(("key", json.loads('"' + m.group("qkey") + '"')))
        elif m.group("star") or m.group("dstar") or m.group("index") == "*":
            if not wildcards:
                raise SQLError(
                    ER.ER_INVALID_JSON_PATH_WILDCARD,
                    "In this situation, path expressions may not contain the * and ** tokens.",
                )
            kind = "dstar" if m.group("dstar") else ("kstar" if m.group("star") else "istar")
            steps.append((kind, None))
        else:
            raw = m.group("index")
            if raw.startswith("last"):
                back = int(raw.split("-")[1]) if "-" in raw else 0
                steps.append(("last", back))
            else:
                steps.append(("index", int(raw)))
    return steps


def _bad_path(text: str) -> SQLError:
    return SQLError(ER.ER_INVALID_JSON_PATH, f"Invalid JSON path expression: '{text[:64]}'")


def _index(node: list[Any], kind: str, n: int) -> int:
    return n if kind == "index" else len(node) - 1 - n


def _walk(node: Any, steps: list[tuple[str, Any]]) -> Iterator[Any]:
    if not steps:
        yield node
        return
    kind, arg = steps[0]
    rest = steps[1:]
    if kind == "key":
        if isinstance(node, dict) and arg in node:
            yield from _walk(node[arg], rest)
    elif kind in ("index", "last"):
        if isinstance(node, list):
            i = _index(node, kind, arg)
            if 0 <= i < len(node):
                yield from _walk(node[i], rest)
        elif i_is_zero(kind, arg):
            yield from _walk(node, rest)
    elif kind == "kstar":
        if isinstance(node, dict):
            for key in sorted(node, key=_sort_key):
                yield from _walk(node[key], rest)
    elif kind == "istar":
        if isinstance(node, list):
            for item in node:
                yield from _walk(item, rest)
    else:  # "**": any depth below
        children = (
            list(node.values())
            if isinstance(node, dict)
            else node
            if isinstance(node, list)
            else []
        )
        for child in children:
            yield from _walk(child, rest)
            yield from _walk(child, steps)


def i_is_zero(kind: str, arg: int) -> bool:
    """A scalar is treated as a one-element array by ``[0]`` and ``[last]``."""
    return arg == 0


def _extract(doc: object, *paths: object) -> object:
    if doc is None or any(p is None for p in paths):
        return None
    data = _doc(doc, 1, "json_extract")
    found: list[Any] = []
    wild = False
    for p in paths:
        steps = _path(p, wildcards=True)
        wild = wild or any(k in ("kstar", "istar", "dstar") for k, _ in steps)
        found.extend(_walk(data, steps))
    if not found:
        return None
    if len(paths) == 1 and not wild:
        return canonical_json(found[0])
    return canonical_json(found)


def _unquote(value: object) -> object:
    text = as_text(value)
    if text is None:
        return None
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            result = json.loads(text)
        except ValueError:
            raise SQLError(
                ER.ER_INVALID_JSON_TEXT_IN_PARAM,
                "Invalid JSON text in argument 1 to function json_unquote: 'Invalid value.'",
            ) from None
        return result if isinstance(result, str) else text
    return text


def _extract_unquoted(doc: object, path: object) -> object:
    return _unquote(_extract(doc, path))


#: Prefix ``edb_json_tag`` puts on a JSON function's result passed to another JSON function, so
#: it is embedded as JSON rather than as a string (SQLite values carry no JSON type).
JSON_MARK = "\x00edb-json\x00"


def _tag(value: object) -> object:
    return None if value is None else JSON_MARK + (as_text(value) or "")


def _sql_to_json(value: object, as_json: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and value.startswith(JSON_MARK):
        return _loads(value[len(JSON_MARK) :])
    if as_json:
        return _loads(as_text(value) or "")
    if isinstance(value, bytes):
        return "base64:type15:" + base64.b64encode(value).decode()
    return value


def _object(*args: object) -> str:
    if len(args) % 2:
        raise SQLError(
            ER.ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT,
            "Incorrect parameter count in the call to native function 'json_object'",
        )
    out: dict[str, Any] = {}
    for key, value in zip(args[::2], args[1::2], strict=True):
        if key is None:
            raise SQLError(
                ER.ER_INVALID_JSON_TEXT, "JSON documents may not contain NULL member names."
            )
        out.setdefault(as_text(key) or "", _sql_to_json(value))
    return canonical_json(out)


def _array(*args: object) -> str:
    return canonical_json([_sql_to_json(a) for a in args])


def _contains_value(target: Any, candidate: Any) -> bool:
    if isinstance(target, list):
        if isinstance(candidate, list):
            return all(_contains_value(target, c) for c in candidate)
        return any(_contains_value(t, candidate) for t in target)
    if isinstance(target, dict):
        if not isinstance(candidate, dict):
            return False
        return all(k in target and _contains_value(target[k], v) for k, v in candidate.items())
    if isinstance(target, bool) or isinstance(candidate, bool):
        return type(target) is type(candidate) and target == candidate
    if isinstance(target, int | float) and isinstance(candidate, int | float):
        return target == candidate
    return type(target) is type(candidate) and bool(target == candidate)


def _contains(doc: object, candidate: object, path: object = "$") -> object:
    if doc is None or candidate is None or path is None:
        return None
    target = _doc(doc, 1, "json_contains")
    cand = _doc(candidate, 2, "json_contains")
    found = list(_walk(target, _path(path)))
    if not found:
        return None
    return int(_contains_value(found[0], cand))


def _contains_path(doc: object, mode: object, *paths: object) -> object:
    if doc is None or mode is None or any(p is None for p in paths):
        return None
    data = _doc(doc, 1, "json_contains_path")
    hits = [next(_walk(data, _path(p, wildcards=True)), _MISSING) is not _MISSING for p in paths]
    return int(all(hits) if str(mode).lower() == "all" else any(hits))


def _length(doc: object, path: object = "$") -> object:
    if doc is None or path is None:
        return None
    found = list(_walk(_doc(doc, 1, "json_length"), _path(path)))
    if not found:
        return None
    node = found[0]
    return len(node) if isinstance(node, dict | list) else 1


def _keys(doc: object, path: object = "$") -> object:
    if doc is None or path is None:
        return None
    found = list(_walk(_doc(doc, 1, "json_keys"), _path(path)))
    if not found or not isinstance(found[0], dict):
        return None
    return canonical_json(sorted(found[0], key=_sort_key))


def _modify(mode: str) -> Callable[..., object]:
    fn = f"json_{mode}"

    def call(doc: object, *pairs: object) -> object:
        if len(pairs) % 2:
            raise SQLError(
                ER.ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT,
                f"Incorrect parameter count in the call to native function '{fn}'",
            )
        if doc is None:
            return None
        data = _doc(doc, 1, fn)
        for path, value in zip(pairs[::2], pairs[1::2], strict=True):
            if path is None:
                return None
            steps = _path(path)
            new = _sql_to_json(value)
            if not steps:
                if mode in ("set", "replace"):
                    data = new
                continue
            data = _apply(data, steps, new, mode)
        return canonical_json(data)

    return call


def _apply(data: Any, steps: list[tuple[str, Any]], new: Any, mode: str) -> Any:
    parents = list(_walk(data, steps[:-1]))
    if not parents:
        return data
    parent = parents[0]
    kind, arg = steps[-1]
    if kind == "key":
        if not isinstance(parent, dict):
            return data
        exists = arg in parent
        if (exists and mode in ("set", "replace")) or (not exists and mode in ("set", "insert")):
            parent[arg] = new
        return data
    if isinstance(parent, list):
        i = _index(parent, kind, arg)
        if 0 <= i < len(parent):
            if mode in ("set", "replace"):
                parent[i] = new
        elif mode in ("set", "insert"):
            parent.append(new)
        return data
    if mode in ("set", "insert") and not (kind == "index" and arg == 0):
        wrapped = [parent, new]
        return _replace_node(data, steps[:-1], wrapped)
    if mode in ("set", "replace") and i_is_zero(kind, arg):
        return _replace_node(data, steps[:-1], new)
    return data


def _replace_node(data: Any, steps: list[tuple[str, Any]], new: Any) -> Any:
    if not steps:
        return new
    parent = next(_walk(data, steps[:-1]))
    kind, arg = steps[-1]
    if kind == "key":
        parent[arg] = new
    else:
        parent[_index(parent, kind, arg)] = new
    return data


def _remove(doc: object, *paths: object) -> object:
    if doc is None or any(p is None for p in paths):
        return None
    data = _doc(doc, 1, "json_remove")
    for p in paths:
        steps = _path(p)
        if not steps:
            raise _bad_path(as_text(p) or "")
        parents = list(_walk(data, steps[:-1]))
        if not parents:
            continue
        parent = parents[0]
        kind, arg = steps[-1]
        if kind == "key" and isinstance(parent, dict):
            parent.pop(arg, None)
        elif kind != "key" and isinstance(parent, list):
            i = _index(parent, kind, arg)
            if 0 <= i < len(parent):
                del parent[i]
    return canonical_json(data)


def _valid(value: object) -> object:
    if value is None:
        return None
    try:
        _loads(as_text(value) or "")
    except ValueError:
        return 0
    return 1


_TYPES = {dict: "OBJECT", list: "ARRAY", str: "STRING", bool: "BOOLEAN", int: "INTEGER"}


def _type(value: object) -> object:
    if value is None:
        return None
    data = _doc(value, 1, "json_type")
    if data is None:
        return "NULL"
    if isinstance(data, float):
        return "DOUBLE"
    return _TYPES[type(data)]


def _quote(value: object) -> object:
    text = as_text(value)
    return None if text is None else json.dumps(text, ensure_ascii=False)


def _cast_json(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, int | float):
        return canonical_json(value)
    return check_json(value)


#: ``edb_*`` name -> (function, number of arguments or -1 for any).
JSON_FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "edb_json_extract": (_extract, -1),
    "edb_json_unquote": (_unquote, 1),
    "edb_json_value": (_extract_unquoted, 2),
    "edb_json_object": (_object, -1),
    "edb_json_array": (_array, -1),
    "edb_json_contains": (_contains, -1),
    "edb_json_contains_path": (_contains_path, -1),
    "edb_json_length": (_length, -1),
    "edb_json_keys": (_keys, -1),
    "edb_json_set": (_modify("set"), -1),
    "edb_json_insert": (_modify("insert"), -1),
    "edb_json_replace": (_modify("replace"), -1),
    "edb_json_remove": (_remove, -1),
    "edb_json_valid": (_valid, 1),
    "edb_json_type": (_type, 1),
    "edb_json_quote": (_quote, 1),
    "edb_cast_json": (_cast_json, 1),
    "edb_json_tag": (_tag, 1),
}
