"""Fixtures for the protocol codec tests."""

from __future__ import annotations

import pytest

from tests.unit.protocol import client_codec as cc


@pytest.fixture(params=sorted(cc.SPLITS))
def split(request: pytest.FixtureRequest) -> cc.Split:
    """Every codec test runs whole, byte-at-a-time and in two random splits."""
    return cc.SPLITS[request.param]
