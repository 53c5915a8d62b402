"""Differential (soak): the corpus expectations must hold on a real MariaDB 10.11 server,
except for cases marked ``@differs mariadb: <reason>`` (which must then really differ)."""

from __future__ import annotations

import shutil

import pytest

from tests.corpus.corpus import load_corpus, run_case
from tests.corpus.servers import mariadb_server


@pytest.mark.soak
@pytest.mark.skipif(shutil.which("mariadbd") is None, reason="mariadb-server not installed")
def test_corpus_agrees_with_mariadb(tmp_path_factory: pytest.TempPathFactory) -> None:
    problems = []
    with mariadb_server(tmp_path_factory.mktemp("corpus-mariadb")) as connect:
        for case in load_corpus():
            outcome = run_case(case, connect)
            if case.differs and outcome.passed:
                problems.append(f"{case.id}: marked {case.differs!r} but agrees")
            elif not case.differs and not outcome.passed:
                problems.append(f"{case.id}: {outcome.mismatches[0]}")
    assert not problems, "\n".join(problems[:50])
