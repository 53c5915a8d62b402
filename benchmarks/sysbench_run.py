"""Run sysbench 1.0.x against one server and parse its report.

sysbench with `--mysql-ssl=on` reads `client-key.pem`, `client-cert.pem` and `cacert.pem` from
its working directory (design/testing.md section 11), so every system gets its own working
directory holding those three files.

A run is a failure when sysbench exits non-zero, prints a FATAL/ALERT line, times out, or its
report lacks the statistics we parse. A failure is returned, never raised.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["RunStats", "SysbenchCall", "SysbenchOutcome", "parse_run_report", "sysbench"]

_NUM = r"([0-9]+(?:\.[0-9]+)?)"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "transactions": re.compile(rf"^\s*transactions:\s+{_NUM}\s+\({_NUM} per sec\.\)", re.M),
    "queries": re.compile(rf"^\s*queries:\s+{_NUM}\s+\({_NUM} per sec\.\)", re.M),
    "ignored_errors": re.compile(rf"^\s*ignored errors:\s+{_NUM}\s+\(", re.M),
    "reconnects": re.compile(rf"^\s*reconnects:\s+{_NUM}\s+\(", re.M),
    "total_time_s": re.compile(rf"^\s*total time:\s+{_NUM}s", re.M),
    "lat_avg_ms": re.compile(rf"^\s*avg:\s+{_NUM}\s*$", re.M),
    "lat_max_ms": re.compile(rf"^\s*max:\s+{_NUM}\s*$", re.M),
    "lat_p95_ms": re.compile(rf"^\s*95th percentile:\s+{_NUM}\s*$", re.M),
}
_PROBLEM = re.compile(r"^(FATAL|ALERT|ERROR|WARNING):.*$", re.M)


@dataclass(frozen=True)
class RunStats:
    """Numbers from one `sysbench ... run` report."""

    queries: int
    qps: float
    transactions: int
    tps: float
    ignored_errors: int
    reconnects: int
    total_time_s: float
    lat_avg_ms: float
    lat_p95_ms: float
    lat_max_ms: float


def parse_run_report(text: str) -> RunStats | None:
    """Parse the final report of `sysbench <oltp test> run`; None if any figure is missing."""
    found: dict[str, list[str]] = {}
    for key, pattern in _PATTERNS.items():
        match = pattern.search(text)
        if match is None:
            return None
        found[key] = list(match.groups())
    return RunStats(
        queries=int(float(found["queries"][0])),
        qps=float(found["queries"][1]),
        transactions=int(float(found["transactions"][0])),
        tps=float(found["transactions"][1]),
        ignored_errors=int(float(found["ignored_errors"][0])),
        reconnects=int(float(found["reconnects"][0])),
        total_time_s=float(found["total_time_s"][0]),
        lat_avg_ms=float(found["lat_avg_ms"][0]),
        lat_p95_ms=float(found["lat_p95_ms"][0]),
        lat_max_ms=float(found["lat_max_ms"][0]),
    )


@dataclass(frozen=True)
class SysbenchCall:
    """Connection and table options shared by prepare, run and cleanup."""

    workload: str
    port: int
    tables: int
    table_size: int
    workdir: Path
    host: str = "127.0.0.1"
    user: str = "sbtest"
    password: str = "sbtest"
    database: str = "sbtest"

    def argv(self, command: str, extra: list[str]) -> list[str]:
        binary = shutil.which("sysbench") or "sysbench"
        return [
            binary,
            self.workload,
            "--db-driver=mysql",
            f"--mysql-host={self.host}",
            f"--mysql-port={self.port}",
            f"--mysql-user={self.user}",
            f"--mysql-password={self.password}",
            f"--mysql-db={self.database}",
            "--mysql-ssl=on",
            f"--tables={self.tables}",
            f"--table-size={self.table_size}",
            *extra,
            command,
        ]


@dataclass
class SysbenchOutcome:
    """What happened when sysbench ran once: the report or the reason it failed."""

    command: str
    argv: list[str]
    returncode: int | None
    wall_s: float
    client_cpu_s: float
    stats: RunStats | None = None
    problems: list[str] = field(default_factory=list)
    output_tail: str = ""
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["ok"] = self.ok
        if self.ok:
            # Keep successful samples small: the tail is only useful when something broke.
            out["output_tail"] = ""
        return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_LINE_MAX = 400


def _clip(line: str) -> str:
    """Shorten a line (bulk INSERT statements run to megabytes) for reports."""
    if len(line) <= _LINE_MAX:
        return line
    return f"{line[: _LINE_MAX - 120]} ...[{len(line) - _LINE_MAX + 40} chars]... {line[-80:]}"


def _tail(text: str, lines: int) -> str:
    return "\n".join(_clip(line) for line in text.rstrip().splitlines()[-lines:])


def sysbench(
    call: SysbenchCall, command: str, extra: list[str], timeout_s: float
) -> SysbenchOutcome:
    """Run `sysbench <workload> ... <command>` in `call.workdir` and judge the result.

    `client_cpu_s` is sysbench's own user+system time (RUSAGE_CHILDREN delta; the servers are
    children too but are reaped only when stopped, so they do not count here).
    """
    argv = call.argv(command, extra)
    cpu0 = _children_cpu()
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            argv,
            cwd=call.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        out = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        return SysbenchOutcome(
            command=command,
            argv=argv,
            returncode=None,
            wall_s=time.monotonic() - t0,
            client_cpu_s=_children_cpu() - cpu0,
            output_tail=_tail(out, 40),
            failure=f"timed out after {timeout_s:.0f} s",
        )
    wall = time.monotonic() - t0
    text = proc.stdout + ("\n" + proc.stderr if proc.stderr else "")
    counts: dict[str, int] = {}
    for m in _PROBLEM.finditer(text):
        line = _clip(m.group(0).strip())
        counts[line] = counts.get(line, 0) + 1
    problems = [line if n == 1 else f"{line} (x{n})" for line, n in counts.items()]
    outcome = SysbenchOutcome(
        command=command,
        argv=argv,
        returncode=proc.returncode,
        wall_s=wall,
        client_cpu_s=_children_cpu() - cpu0,
        problems=problems[:20],
        output_tail=_tail(text, 40),
    )
    fatal = [p for p in problems if p.startswith(("FATAL", "ALERT"))]
    if proc.returncode != 0:
        outcome.failure = f"sysbench exited with code {proc.returncode}"
    elif fatal:
        outcome.failure = "sysbench reported: " + fatal[0]
    if command == "run" and outcome.failure is None:
        outcome.stats = parse_run_report(proc.stdout)
        if outcome.stats is None:
            outcome.failure = "could not parse the sysbench report"
    return outcome
