"""Medians, ratios and markdown tables from the raw samples of a comparison run.

A sample is one `sysbench run` against one system: a flat dict as written to the JSON
result. Failed samples never enter a median; they are counted per group instead.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["GroupKey", "detail_table", "group_key", "main_table", "summarize"]

GroupKey = tuple[str, int, str]
_MEDIAN_FIELDS = (
    "qps",
    "tps",
    "lat_avg_ms",
    "lat_p95_ms",
    "server_cpu_us_per_query",
    "client_cpu_us_per_query",
    "ignored_errors",
    "reconnects",
)


def group_key(sample: dict[str, Any]) -> GroupKey:
    return (str(sample["workload"]), int(sample["threads"]), str(sample["ps_mode"]))


def _median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def summarize(samples: Sequence[dict[str, Any]], systems: Sequence[str]) -> list[dict[str, Any]]:
    """Group samples by (workload, threads, ps-mode); medians per system; edb/mariadb ratios."""
    keys: list[GroupKey] = []
    for s in samples:
        if group_key(s) not in keys:
            keys.append(group_key(s))
    rows: list[dict[str, Any]] = []
    for key in keys:
        per_system: dict[str, dict[str, Any]] = {}
        for name in systems:
            mine = [s for s in samples if group_key(s) == key and s["system"] == name]
            good = [s for s in mine if s["ok"]]
            entry: dict[str, Any] = {"ok": len(good), "failed": len(mine) - len(good)}
            for f in _MEDIAN_FIELDS:
                entry[f"{f}_median"] = _median(s.get(f) for s in good)
            qps = [float(s["qps"]) for s in good]
            if qps:
                entry["qps_min"] = min(qps)
                entry["qps_max"] = max(qps)
                med = statistics.median(qps)
                entry["qps_spread_pct"] = 100.0 * (max(qps) - min(qps)) / med if med else None
            per_system[name] = entry
        edb = per_system.get("edb", {})
        maria = per_system.get("mariadb", {})
        rows.append(
            {
                "workload": key[0],
                "threads": key[1],
                "ps_mode": key[2],
                "systems": per_system,
                "ratio_qps_edb_over_mariadb": _ratio(
                    edb.get("qps_median"), maria.get("qps_median")
                ),
                "ratio_tps_edb_over_mariadb": _ratio(
                    edb.get("tps_median"), maria.get("tps_median")
                ),
                "ratio_server_cpu_per_query_edb_over_mariadb": _ratio(
                    edb.get("server_cpu_us_per_query_median"),
                    maria.get("server_cpu_us_per_query_median"),
                ),
            }
        )
    return rows


def _fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _qps_cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "-"
    cell = _fmt(entry.get("qps_median"))
    if entry.get("failed"):
        cell += f" ({entry['failed']} failed)"
    return cell


def main_table(rows: Sequence[dict[str, Any]]) -> str:
    """The headline table: workload | threads | ps-mode | edb qps | mariadb qps | ratio."""
    out = [
        "| workload | threads | ps-mode | edb qps | mariadb qps | ratio edb/mariadb |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["ratio_qps_edb_over_mariadb"]
        out.append(
            f"| {r['workload']} | {r['threads']} | {r['ps_mode']} "
            f"| {_qps_cell(r['systems'].get('edb'))} "
            f"| {_qps_cell(r['systems'].get('mariadb'))} "
            f"| {'n/a' if ratio is None else f'{ratio:.3f}'} |"
        )
    return "\n".join(out)


def detail_table(rows: Sequence[dict[str, Any]]) -> str:
    """Per system: qps median [min-max], spread, latency, server and client CPU per query."""
    out = [
        "| workload | threads | ps-mode | system | qps median [min-max] | spread % "
        "| lat avg ms | lat p95 ms | server CPU us/query | sysbench CPU us/query "
        "| ignored errors | reconnects | ok/failed |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        for name, e in r["systems"].items():
            qps = _fmt(e.get("qps_median"))
            if "qps_min" in e:
                qps += f" [{_fmt(e['qps_min'])}-{_fmt(e['qps_max'])}]"
            out.append(
                f"| {r['workload']} | {r['threads']} | {r['ps_mode']} | {name} | {qps} "
                f"| {_fmt(e.get('qps_spread_pct'), 1)} "
                f"| {_fmt(e.get('lat_avg_ms_median'), 2)} "
                f"| {_fmt(e.get('lat_p95_ms_median'), 2)} "
                f"| {_fmt(e.get('server_cpu_us_per_query_median'), 1)} "
                f"| {_fmt(e.get('client_cpu_us_per_query_median'), 1)} "
                f"| {_fmt(e.get('ignored_errors_median'))} "
                f"| {_fmt(e.get('reconnects_median'))} "
                f"| {e['ok']}/{e['failed']} |"
            )
    return "\n".join(out)
