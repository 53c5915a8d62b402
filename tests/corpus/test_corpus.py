"""Run every corpus case against a real edb-proxy server (see README.md).

Cases listed in ``known_failures.txt`` are ``xfail(strict=True)``: they must fail today, and a
case that starts passing fails the run until ``tools/corpus_known_failures.py --update``
removes it from the list.
"""

from __future__ import annotations

import pytest

from tests.corpus.corpus import (
    Case,
    Connector,
    count_statements,
    load_corpus,
    read_known_failures,
    run_case,
)

CASES = load_corpus()
KNOWN = read_known_failures()


def _params() -> list[object]:
    params: list[object] = []
    for case in CASES:
        marks = []
        if case.id in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case.id]))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def test_corpus_is_large_and_well_formed() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert count_statements(CASES) >= 1500
    stale = set(KNOWN) - set(ids)
    assert not stale, f"known_failures.txt names cases that do not exist: {sorted(stale)[:5]}"


@pytest.mark.integration
@pytest.mark.parametrize("case", _params())
def test_case(case: Case, corpus_edb: Connector) -> None:
    outcome = run_case(case, corpus_edb)
    assert outcome.passed, f"{case.id} ({case.source}):\n  " + "\n  ".join(outcome.mismatches)
