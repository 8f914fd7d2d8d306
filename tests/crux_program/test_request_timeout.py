"""lm.request_timeout_s: a stuck request fails after that many seconds instead of the client library's minutes."""
from __future__ import annotations

import threading
import time

import pytest

from crux_program.errors import UserError
from crux_program.lm import LMConfig, build_lm
from tests.openai_stub_server import OpenAIStubServer


def test_a_stuck_request_fails_after_the_timeout():
    release = threading.Event()
    arrived: list[float] = []

    def stuck(call) -> str:
        arrived.append(time.monotonic())
        release.wait(60)  # a server that never answers (until the test ends)
        return "late"

    with OpenAIStubServer(reply=stuck, models=["m"]) as server:
        lm = build_lm(LMConfig(kind="openai", model="m", api_base=server.base_url, num_retries=0,
                               request_timeout_s=1.0))
        try:
            with pytest.raises(Exception, match="(?i)timeout|timed out"):
                lm(messages=[{"role": "user", "content": "hello"}])
        finally:
            release.set()
        # counted from the request's arrival: the client's first call also imports and sets up (seconds on a
        # busy machine); without the setting it would wait the library's default of minutes
        assert len(arrived) == 1 and time.monotonic() - arrived[0] < 15


def test_the_timeout_reaches_the_client_and_can_be_lifted():
    base = dict(kind="openai", model="m", api_base="http://127.0.0.1:9/v1")
    assert build_lm(LMConfig(**base)).kwargs["timeout"] == 300.0  # the default
    assert "timeout" not in build_lm(LMConfig(**base, request_timeout_s=None)).kwargs
    with pytest.raises(UserError, match="lm.request_timeout_s"):
        LMConfig(**base, request_timeout_s=0)
