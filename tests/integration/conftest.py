"""Fixtures for the integration suite (helpers live in ``harness.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.harness import (
    PKI,
    ServerInfo,
    make_pki,
    manifest_for,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session", params=["asyncio", "trio"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: PKI
) -> Iterator[ServerInfo]:
    """A shared server per event loop (tests use their own table names)."""
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    info = start_server(tmp, manifest=manifest_for(pki), pki=pki, event_loop=request.param)
    yield info
    code = stop_server(info)
    log = info.log_text()
    assert code == 0, f"server exited with {code}:\n{log}"
    assert "Traceback" not in log, log


@pytest.fixture(scope="session")
def asyncio_server(tmp_path_factory: pytest.TempPathFactory, pki: PKI) -> Iterator[ServerInfo]:
    """One asyncio server for tests that do not need to run on both loops."""
    tmp = tmp_path_factory.mktemp("server-main")
    info = start_server(tmp, manifest=manifest_for(pki), pki=pki, event_loop="asyncio")
    yield info
    stop_server(info)
    assert "Traceback" not in info.log_text(), info.log_text()
