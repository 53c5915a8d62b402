"""Compare edb-proxy with MariaDB under sysbench, both over TLS, side by side in one run.

Usage (from the repository root):
    .venv/bin/python benchmarks/sysbench_compare.py [--systems edb,mariadb] [--duration 10]
        [--threads 1,8] [--tables 1] [--table-size 10000] [--workloads oltp_point_select]
        [--ps-modes auto,disable] [--repeats 2] [--warmup 0] [--out FILE.json]

Theory of operation:
1. A throw-away PKI (CA, server cert for MariaDB, client cert CN=sbtest) is generated in a
   temporary directory. Each system gets a sysbench working directory holding
   client-cert.pem, client-key.pem and cacert.pem (the CA that certified that server).
2. Every system is started privately on 127.0.0.1 with TLS required; see systems.py.
3. Per workload: `prepare` on every system; then for each (threads, ps-mode) and repeat, one
   `run` per system, interleaved (A B A B ...) so drift hits both alike; then `cleanup`.
4. Around each run the server's CPU time (user+sys, /proc/<pid>/stat) is read, giving server
   CPU microseconds per query. sysbench's own CPU is recorded the same way.
5. Results (machine info, versions, parameters, raw samples, medians, ratios) go to a JSON
   file; markdown tables go to stdout. Failed runs are recorded with their output tail and
   never stop the script; servers are stopped and the temporary directory removed on every
   exit path (finally + atexit; SIGTERM is turned into SystemExit).
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

from certs import PKI, make_pki
from report import detail_table, main_table, summarize
from sysbench_run import SysbenchCall, SysbenchOutcome, sysbench
from systems import REPO, EdbProxy, MariaDB, ServerError, System, log_tail

SCHEMA = "edb-proxy/sysbench-compare/1"
# install-db creates root@<hostname>, which --skip-name-resolve then ignores.
_BENIGN = "ignored in --skip-name-resolve mode"
_LOG_PROBLEM = re.compile(r"\b(ERROR|CRITICAL|Traceback)\b|\[(ERROR|Warning)\]|\bWARNING\b")
KNOWN_SYSTEMS = ("edb", "mariadb")


class TerminatedError(BaseException):
    """SIGTERM arrived; unwinds like KeyboardInterrupt so results are still written."""


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _int_csv(text: str) -> list[int]:
    return [int(part) for part in _csv(text)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--systems", type=_csv, default=list(KNOWN_SYSTEMS), help="edb,mariadb")
    p.add_argument("--duration", type=int, default=10, help="seconds per run")
    p.add_argument("--threads", type=_int_csv, default=[1, 8], help="e.g. 1,8")
    p.add_argument("--tables", type=int, default=1)
    p.add_argument("--table-size", type=int, default=10000)
    p.add_argument("--workloads", type=_csv, default=["oltp_point_select"])
    p.add_argument("--ps-modes", type=_csv, default=["auto", "disable"], help="auto,disable")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument(
        "--warmup", type=int, default=0, help="seconds of unrecorded sysbench run before each run"
    )
    p.add_argument("--out", type=Path, default=None, help="JSON result file")
    p.add_argument("--edb-python", default=sys.executable, help="python that runs edb_proxy")
    p.add_argument(
        "--edb-args",
        type=shlex.split,
        default=[],
        help='extra arguments for "edb_proxy serve", e.g. "--event-loop trio"',
    )
    p.add_argument("--keep-tmp", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    unknown = [s for s in args.systems if s not in KNOWN_SYSTEMS]
    if unknown or not args.systems:
        p.error(f"--systems takes a subset of {','.join(KNOWN_SYSTEMS)}")
    if "bulk_insert" in args.workloads:
        # Its tables depend on --threads and it never deletes what it inserted.
        p.error("bulk_insert is not supported: use the oltp_* and select_random_* workloads")
    if any(m not in ("auto", "disable") for m in args.ps_modes):
        p.error("--ps-modes takes auto and/or disable")
    if min(args.threads) < 1 or args.duration < 1 or args.repeats < 1:
        p.error("--threads, --duration and --repeats must be positive")
    return args


def _run_text(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return (out.stdout or out.stderr).strip()


def machine_info() -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "mem_total_kb": mem_kb,
        "loadavg_at_start": list(os.getloadavg()),
        "tmpdir": tempfile.gettempdir(),
    }


def write_client_files(workdir: Path, pki: PKI, server_ca: Path) -> None:
    """Lay out the three files sysbench --mysql-ssl=on loads from its working directory."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pki.client_cert, workdir / "client-cert.pem")
    shutil.copyfile(pki.client_key, workdir / "client-key.pem")
    (workdir / "client-key.pem").chmod(0o600)
    shutil.copyfile(server_ca, workdir / "cacert.pem")


class Comparison:
    """One benchmark session: the systems, their sysbench directories and the samples."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.systems: dict[str, System] = {}
        self.sb_dirs: dict[str, Path] = {}
        self.dead: dict[str, str] = {}
        self.samples: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.total_runs = (
            len(args.workloads)
            * len(args.threads)
            * len(args.ps_modes)
            * args.repeats
            * len(args.systems)
        )
        self.done_runs = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, pki: PKI) -> None:
        for name in self.args.systems:
            system: System
            if name == "mariadb":
                system = MariaDB(self.tmp / "mariadb", pki)
            else:
                system = EdbProxy(
                    self.tmp / "edb",
                    pki,
                    python=self.args.edb_python,
                    extra_args=self.args.edb_args,
                )
            self.systems[name] = system
            print(f"starting {name} on 127.0.0.1:{system.port} ...", flush=True)
            t0 = time.monotonic()
            try:
                system.start()
            except (ServerError, OSError, subprocess.SubprocessError) as exc:
                # One system failing to start must not cost the other system's numbers.
                self.dead[name] = f"failed to start: {str(exc).splitlines()[0]}"
                self.events.append({"system": name, "event": "start failed", "error": str(exc)})
                print(f"!! {name} failed to start: {exc}")
                continue
            print(f"  {name} ready in {time.monotonic() - t0:.1f} s (pid {system.pid})")
            self.sb_dirs[name] = self.tmp / f"sysbench-{name}"
            write_client_files(self.sb_dirs[name], pki, system.sysbench_ca)

    def stop(self) -> None:
        for name, system in self.systems.items():
            code = system.stop()
            if code is not None:
                print(f"stopped {name} (exit code {code})")
            self._log_problems(name, system)
        self.systems.clear()

    def _log_problems(self, name: str, system: System) -> None:
        """Record warning/error lines of a server's log: failures sysbench did not see."""
        try:
            lines = system.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return
        bad = [line for line in lines if _LOG_PROBLEM.search(line) and _BENIGN not in line]
        if bad:
            self.events.append(
                {
                    "system": name,
                    "event": "server log problems",
                    "count": len(bad),
                    "lines": bad[:50],
                }
            )
            print(f"!! {name} log has {len(bad)} warning/error lines, e.g.:")
            print(_indent("\n".join(line[:300] for line in bad[:5])))

    # -- bookkeeping -------------------------------------------------------------------------
    def _usable(self, name: str) -> bool:
        system = self.systems[name]
        if name in self.dead:
            return False
        if not system.alive():
            code = system.proc.returncode if system.proc else None
            tail = log_tail(system.log_path, 60)
            shown = _last_lines(tail, 15)
            self.dead[name] = f"server exited with code {code}"
            self.events.append(
                {"system": name, "event": "server died", "exit_code": code, "log_tail": tail}
            )
            print(f"!! {name} server is no longer running (exit code {code}); log tail:")
            print(_indent(shown))
        return name not in self.dead

    def _call(self, name: str, workload: str) -> SysbenchCall:
        return SysbenchCall(
            workload=workload,
            port=self.systems[name].port,
            tables=self.args.tables,
            table_size=self.args.table_size,
            workdir=self.sb_dirs[name],
        )

    def _report_failure(self, name: str, what: str, outcome: SysbenchOutcome) -> None:
        print(f"!! {name} {what} FAILED: {outcome.failure}")
        for line in outcome.problems[:6]:
            print(f"   {line}")
        if not outcome.problems:
            print("   output tail:")
            print(_indent(_last_lines(outcome.output_tail, 12), "   | "))

    # -- phases ------------------------------------------------------------------------------
    def prepare(self, workload: str) -> list[str]:
        ready: list[str] = []
        for name in self.args.systems:
            if not self._usable(name):
                continue
            print(f"{name}: prepare {workload} ({self.args.tables} x {self.args.table_size})")
            outcome = sysbench(self._call(name, workload), "prepare", [], timeout_s=1800)
            record: dict[str, Any] = {"system": name, "workload": workload, "event": "prepare"}
            record.update(outcome.to_json())
            self.events.append(record)
            if outcome.ok:
                print(f"  done in {outcome.wall_s:.1f} s")
                ready.append(name)
            else:
                self._report_failure(name, f"prepare {workload}", outcome)
                record["server_log_tail"] = log_tail(self.systems[name].log_path)
                self._usable(name)
        return ready

    def cleanup(self, workload: str, names: list[str]) -> None:
        for name in names:
            if not self._usable(name):
                continue
            outcome = sysbench(self._call(name, workload), "cleanup", [], timeout_s=600)
            if not outcome.ok:
                self._report_failure(name, f"cleanup {workload}", outcome)
                record: dict[str, Any] = {"system": name, "workload": workload, "event": "cleanup"}
                record.update(outcome.to_json())
                self.events.append(record)

    def measure(self, name: str, workload: str, threads: int, ps_mode: str, rep: int) -> None:
        self.done_runs += 1
        label = (
            f"[{self.done_runs}/{self.total_runs}] {name:7} {workload} threads={threads} "
            f"ps={ps_mode} repeat={rep + 1}/{self.args.repeats}"
        )
        sample: dict[str, Any] = {
            "system": name,
            "workload": workload,
            "threads": threads,
            "ps_mode": ps_mode,
            "repeat": rep,
            "ok": False,
        }
        if not self._usable(name):
            sample["failure"] = f"skipped: {self.dead[name]}"
            self.samples.append(sample)
            print(f"{label}: skipped ({self.dead[name]})")
            return
        call = self._call(name, workload)
        extra = [f"--threads={threads}", "--report-interval=0", f"--db-ps-mode={ps_mode}"]
        budget = self.args.duration + self.args.warmup + 120
        if self.args.warmup:
            warm = sysbench(call, "run", [*extra, f"--time={self.args.warmup}"], budget)
            if not warm.ok:
                self._report_failure(name, "warm-up run", warm)
        system = self.systems[name]
        cpu0 = system.cpu_seconds()
        outcome = sysbench(call, "run", [*extra, f"--time={self.args.duration}"], budget)
        server_cpu = system.cpu_seconds() - cpu0
        self.samples.append(sample)
        sample.update(
            {
                "ok": outcome.ok,
                "failure": outcome.failure,
                "server_cpu_s": round(server_cpu, 3),
                "client_cpu_s": round(outcome.client_cpu_s, 3),
                "wall_s": round(outcome.wall_s, 3),
                "returncode": outcome.returncode,
                "problems": outcome.problems,
            }
        )
        stats = outcome.stats
        if stats is not None:
            sample.update(vars(stats))
            if stats.queries:
                sample["server_cpu_us_per_query"] = server_cpu * 1e6 / stats.queries
                sample["client_cpu_us_per_query"] = outcome.client_cpu_s * 1e6 / stats.queries
        if not outcome.ok or stats is None:
            sample["output_tail"] = outcome.output_tail
            sample["argv"] = outcome.argv
            sample["server_log_tail"] = log_tail(system.log_path)
            self._report_failure(name, label, outcome)
            self._usable(name)
            return
        warn = ""
        if stats.ignored_errors or stats.reconnects:
            warn = f"  !! ignored errors {stats.ignored_errors}, reconnects {stats.reconnects}"
        print(
            f"{label}: {stats.qps:10.1f} qps  lat avg {stats.lat_avg_ms:.2f} ms "
            f"p95 {stats.lat_p95_ms:.2f} ms  server CPU "
            f"{sample.get('server_cpu_us_per_query', 0.0):.1f} us/q{warn}",
            flush=True,
        )

    def run(self) -> None:
        a = self.args
        for workload in a.workloads:
            ready = self.prepare(workload)
            for threads in a.threads:
                for ps_mode in a.ps_modes:
                    for rep in range(a.repeats):
                        for name in a.systems:
                            if name not in ready and name not in self.dead:
                                self.done_runs += 1
                                self.samples.append(
                                    {
                                        "system": name,
                                        "workload": workload,
                                        "threads": threads,
                                        "ps_mode": ps_mode,
                                        "repeat": rep,
                                        "ok": False,
                                        "failure": "skipped: prepare failed",
                                    }
                                )
                                continue
                            self.measure(name, workload, threads, ps_mode, rep)
            self.cleanup(workload, ready)


def _last_lines(text: str, n: int) -> str:
    return "\n".join(text.splitlines()[-n:])


def _indent(text: str, prefix: str = "   ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _default_out(stamp: str) -> Path:
    return REPO / "benchmarks" / "results" / f"{stamp}.json"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out_path: Path = args.out or _default_out(stamp)
    tmp = Path(tempfile.mkdtemp(prefix="edb-bench-"))
    bench = Comparison(args, tmp)

    def teardown() -> None:
        bench.stop()
        if args.keep_tmp:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise TerminatedError(signum)

    atexit.register(teardown)
    signal.signal(signal.SIGTERM, on_sigterm)
    per_run = args.duration + args.warmup + 1
    print(
        f"{bench.total_runs} runs of ~{per_run} s each (~{bench.total_runs * per_run / 60:.1f} "
        f"min plus prepare); temporary directory {tmp}",
        flush=True,
    )
    status = "complete"
    versions: dict[str, str] = {}
    configs: dict[str, Any] = {}
    machine = machine_info()
    try:
        pki = make_pki(_mkdir(tmp / "pki"))
        bench.start(pki)
        versions = {
            "sysbench": _run_text(["sysbench", "--version"]),
            "libmariadb": _run_text(["dpkg-query", "-W", "-f=${Version}", "libmariadb3"]),
        }
        for name, system in bench.systems.items():
            versions[name] = system.version()
            configs[name] = system.config()
        bench.run()
    except (KeyboardInterrupt, TerminatedError) as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "terminated"
        print(f"\n{status}; writing what was measured")
    except ServerError as exc:
        status = f"server error: {exc}"
        print(f"!! {exc}")
    finally:
        teardown()
        atexit.unregister(teardown)

    summary = summarize(bench.samples, args.systems)
    result = {
        "schema": SCHEMA,
        "status": status,
        "started": started.isoformat(),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(),
        "machine": machine,
        "versions": versions,
        "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "server_config": configs,
        "samples": bench.samples,
        "events": bench.events,
        "summary": summary,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2, default=str) + "\n")

    print()
    print(main_table(summary))
    print()
    print(detail_table(summary))
    print()
    print(f"status: {status}; results written to {out_path}")
    failed = sum(1 for s in bench.samples if not s["ok"])
    if failed:
        print(f"{failed} of {len(bench.samples)} runs failed or were skipped; see the JSON")
    if status == "terminated":
        return 128 + signal.SIGTERM
    return 0 if status == "complete" and not failed else 1


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
