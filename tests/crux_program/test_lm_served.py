"""lm=openai both ways: a model on your own OpenAI-compatible server (api_base), and a hosted provider that DSPy
routes from the model string (no api_base; key from the provider's variable). What is missing is said first:
an unreachable server, a model the server does not serve, a key that is not set."""
from __future__ import annotations

import socket

import pytest

from crux_program.errors import UserError
from crux_program.lm import LMConfig, build_lm
from crux_program.lm.openai_compat import check_served
from tests.openai_stub_server import OpenAIStubServer


def _reply(call) -> str:
    return f"[[ ## answer ## ]]\nhello from {call.body['model']}\n\n[[ ## completed ## ]]"


def test_a_hosted_provider_is_routed_by_dspy_from_the_model_string(monkeypatch):
    with OpenAIStubServer(_reply, models=["gpt-stub"]) as provider:
        # The provider's endpoint is where its SDK looks (a real run leaves this unset and reaches api.openai.com).
        monkeypatch.setenv("OPENAI_BASE_URL", provider.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        cfg = LMConfig(kind="openai", model="openai/gpt-stub")
        assert cfg.api_base is None and cfg.key_variable() == "OPENAI_API_KEY"
        check_served(cfg)
        (text,) = build_lm(cfg)("say hello")
    assert "hello from gpt-stub" in text and provider.calls[0].body["model"] == "gpt-stub"


def test_a_hosted_provider_without_its_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(UserError, match="ANTHROPIC_API_KEY.*lm.api_key_env"):
        check_served(LMConfig(kind="openai", model="anthropic/claude-3-5-haiku-latest"))


def test_an_unreachable_server_says_so_and_what_to_set():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UserError, match=f"Cannot reach the server at lm.api_base=http://127.0.0.1:{port}/v1.*vllm serve"):
        check_served(LMConfig(kind="openai", model="m", api_base=f"http://127.0.0.1:{port}/v1"))


def test_a_model_the_server_does_not_serve_is_named_with_what_it_serves():
    with OpenAIStubServer(_reply, models=["Qwen/Qwen2.5-Coder-7B-Instruct"]) as server:
        check_served(LMConfig(kind="openai", model="Qwen/Qwen2.5-Coder-7B-Instruct", api_base=server.base_url))
        with pytest.raises(UserError, match="lm.model=Qwen/Qwen2.5-Coder-7B-Instruct"):
            check_served(LMConfig(kind="openai", model="qwen-7b", api_base=server.base_url))


def test_a_bare_name_without_a_server_is_not_sent_to_localhost():
    with pytest.raises(UserError, match="lm.api_base=http://HOST:PORT/v1.*lm.model=openai/NAME"):
        LMConfig(kind="openai", model="NAME")
