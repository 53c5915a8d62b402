"""Fixtures of the statement corpus: one edb-proxy server per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.corpus.corpus import Connector, drop_corpus_databases
from tests.corpus.servers import edb_connector, edb_server
from tests.integration.harness import make_pki


@pytest.fixture(scope="session")
def corpus_edb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connector]:
    tmp = tmp_path_factory.mktemp("corpus-edb")
    pki = make_pki(tmp / "pki")
    with edb_server(tmp, pki) as info:
        connect = edb_connector(info)
        yield connect
        drop_corpus_databases(connect)
        assert info.process.poll() is None, "the server died during the corpus run"
        assert "Traceback" not in info.log_text(), info.log_text()[-3000:]
