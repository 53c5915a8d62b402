"""Shared bits of the corpus tools: repository on sys.path, running a list of cases."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.corpus.corpus import (  # noqa: E402
    Case,
    CaseOutcome,
    Connector,
    drop_corpus_databases,
    run_case,
)

__all__ = ["REPO", "run_all", "summarize"]


def run_all(cases: list[Case], connect: Connector, *, label: str) -> list[CaseOutcome]:
    started = time.monotonic()
    outcomes = []
    for n, case in enumerate(cases, 1):
        outcomes.append(run_case(case, connect))
        if n % 100 == 0:
            print(f"  {label}: {n}/{len(cases)} cases", file=sys.stderr)
    drop_corpus_databases(connect)
    print(f"  {label}: {len(cases)} cases in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return outcomes


def summarize(outcomes: list[CaseOutcome]) -> Counter[str]:
    return Counter(o.category() for o in outcomes)
