"""Run SQLAlchemy's dialect compliance suite (``sqlalchemy.testing.suite``) against edb-proxy.

Usage: .venv/bin/python tools/run_sqlalchemy_suite.py [--timeout S] [--keep] [-- PYTEST ARGS]

Starts a real edb-proxy (asyncio, 127.0.0.1, TLS) with databases ``test``, ``test_schema``,
``test_schema_2`` and user ``scott``, then runs ``pytest tests/orm/sqlalchemy`` (SQLAlchemy's own
pytest plugin, ``--dburi mysql+pymysql://...?ssl_ca=<instance CA>``) and prints pass/fail/error
counts plus the most common failure messages, read from the JUnit XML report.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET  # our own pytest's JUnit report, not untrusted input
from collections import Counter
from pathlib import Path

from _orm_server import REPO, orm_server

SUITE_DIR = REPO / "tests" / "orm" / "sqlalchemy"
USER, PASSWORD = "scott", "Tiger-Pw-1"


_PROGRESS = re.compile(r"^([.EsFxX]+)\s*(\[\s*\d+%\])?$")
_PROGRESS_NAMES = {
    ".": "passed",
    "E": "error",
    "s": "skipped",
    "F": "failed",
    "x": "xfailed",
    "X": "xpassed",
}


def progress_counts(log_text: str) -> dict[str, int]:
    """Counts from pytest's ``-q`` progress characters (when the run was cut short)."""
    counts: Counter[str] = Counter()
    for line in log_text.splitlines():
        match = _PROGRESS.match(line.strip())
        if match:
            counts.update(_PROGRESS_NAMES[c] for c in match.group(1))
    return dict(counts)


def summarize(junit: Path, top: int) -> dict[str, object]:
    root = ET.parse(junit).getroot()  # noqa: S314 - written by our pytest run
    counts: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    for case in root.iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in {"failure", "error", "skipped"}:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                if child.tag != "skipped":
                    message = (child.get("message") or child.text or "").strip()
                    message = re.sub(r"\s+", " ", message)
                    message = re.sub(r"'[^']*'|\d+", "?", message)[:150]
                    causes[message] += 1
                break
        counts[outcome] += 1
    return {"counts": dict(counts), "top_causes": causes.most_common(top)}


def _sqlalchemy_version() -> str:
    import importlib.metadata  # noqa: PLC0415

    return importlib.metadata.version("SQLAlchemy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3600, help="whole-run limit (s)")
    parser.add_argument("--top", type=int, default=15, help="failure causes to list")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--log", type=Path, help="write pytest's output here")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sqla-edb-") as tmp_name:
        tmp = Path(tmp_name)
        with orm_server(
            tmp, user=USER, password=PASSWORD, databases=["test", "test_schema", "test_schema_2"]
        ) as info:
            dburi = (
                f"mysql+pymysql://{USER}:{PASSWORD}@{info.host}:{info.port}/test"
                f"?charset=utf8mb4&ssl_ca={info.server_ca}"
            )
            junit = tmp / "junit.xml"
            cmd = [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "sqla_plugin",
                "sqla_suite.py",
                f"--dburi={dburi}",
                f"--junitxml={junit}",
                "-q",
                "-p",
                "no:randomly",
                "--timeout=60",
                *args.pytest_args,
            ]
            print("running:", " ".join(c if "dburi" not in c else "--dburi=<uri>" for c in cmd))
            started = time.monotonic()
            log_path = args.log or tmp / "pytest.log"
            print(f"pytest output: {log_path}")
            try:
                with log_path.open("w") as log:
                    proc = subprocess.run(
                        cmd,
                        check=False,
                        cwd=SUITE_DIR,
                        env={**os.environ, "PYTHONPATH": str(SUITE_DIR)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        text=True,
                        timeout=args.timeout,
                    )
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
                print("pytest:", *tail, f"(exit {proc.returncode})")
            except subprocess.TimeoutExpired:
                print(f"pytest did not finish within {args.timeout:.0f} s")
            elapsed = time.monotonic() - started
            if not junit.exists():
                partial = progress_counts(log_path.read_text(errors="replace"))
                print("no JUnit report was written; progress so far:", json.dumps(partial))
                return 1
            summary = summarize(junit, args.top)
            summary["seconds"] = round(elapsed, 1)
            summary["sqlalchemy"] = _sqlalchemy_version()
    print(json.dumps(summary["counts"]), f"in {summary['seconds']} s")
    for message, n in summary["top_causes"]:  # type: ignore[attr-defined]
        print(f"{n:5d}  {message}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
