"""Differential check: run the statement corpus against a private MariaDB 10.11.

Usage: .venv/bin/python tools/corpus_diff.py [--file STEM] [--verbose]

MariaDB is started by ``benchmarks/systems.py`` (TLS, 127.0.0.1, temp dir, stopped by PID)
with MySQL 8.0's default sql_mode and utf8mb4. Every case whose expectation disagrees with
MariaDB is reported; cases marked ``@differs mariadb: <reason>`` are expected to disagree and
are listed separately (a marked case that agrees is reported too, so stale marks get removed).
Exit status 1 when an unmarked case disagrees.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _corpus_common import run_all

from tests.corpus.corpus import CaseOutcome, count_statements, load_corpus
from tests.corpus.servers import mariadb_server


def differential(tmp: Path, stem: str | None = None) -> list[CaseOutcome]:
    cases = [c for c in load_corpus() if stem is None or c.file == stem]
    print(f"corpus: {len(cases)} cases, {count_statements(cases)} statements")
    with mariadb_server(tmp) as connect:
        return run_all(cases, connect, label="mariadb")


def report(outcomes: list[CaseOutcome], *, verbose: bool) -> tuple[list[str], list[str]]:
    """Return (unmarked disagreements, stale marks) and print the summary."""
    unmarked, stale, marked = [], [], 0
    for o in outcomes:
        if o.case.differs:
            if o.passed:
                stale.append(f"{o.case.id}: marked '{o.case.differs}' but agrees with MariaDB")
            else:
                marked += 1
                if verbose:
                    print(f"MARKED {o.case.id} ({o.case.differs}): {o.mismatches[0]}")
        elif not o.passed:
            unmarked.append(f"{o.case.id}: " + " | ".join(o.mismatches))
    print(
        f"agree {sum(o.passed and not o.case.differs for o in outcomes)}, marked {marked}, "
        f"unmarked disagreements {len(unmarked)}, stale marks {len(stale)}"
    )
    for line in unmarked + stale:
        print("DISAGREE " + line)
    return unmarked, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="only the cases of tests/corpus/cases/<FILE>.sqltest")
    parser.add_argument("--verbose", action="store_true", help="also print marked differences")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="corpus-mariadb-") as tmp:
        outcomes = differential(Path(tmp), args.file)
    unmarked, _stale = report(outcomes, verbose=args.verbose)
    return 1 if unmarked else 0


if __name__ == "__main__":
    sys.exit(main())
