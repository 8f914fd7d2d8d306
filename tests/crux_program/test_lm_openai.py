"""An OpenAI-compatible endpoint (what `vllm serve` exposes) end to end, against a local stub server."""

from __future__ import annotations

import json
import re
import urllib.request

import dspy
import pytest

from crux_program.lm import LMConfig, build_lm
from tests.openai_stub_server import OpenAIStubServer, StubCall


def _answer_with_the_question(call: StubCall) -> str:
    question = call.last_user_text.split("[[ ## question ## ]]\n", 1)[-1].split("\n", 1)[0]
    return f"[[ ## answer ## ]]\nreply to {question} #{call.choice_index}\n\n[[ ## completed ## ]]"


@pytest.fixture
def server():
    with OpenAIStubServer(_answer_with_the_question, models=["stub-coder"]) as running:
        yield running


def test_predict_from_threads_against_the_server(server):
    cfg = LMConfig(kind="openai", model="stub-coder", api_base=server.base_url, temperature=0.6, top_p=0.9,
                   max_tokens=77, seed=5)
    lm = build_lm(cfg)
    devset = [dspy.Example(question=f"q{i}", answer=f"reply to q{i} #0").with_inputs("question") for i in range(6)]
    evaluate = dspy.Evaluate(devset=devset, metric=lambda ex, pred, trace=None: ex.answer == pred.answer,
                             num_threads=4, display_progress=False)
    with dspy.context(lm=lm, adapter=dspy.ChatAdapter(use_json_adapter_fallback=False)):
        result = evaluate(dspy.Predict("question -> answer"))
    assert result.score == 100.0
    assert len({c.last_user_text for c in server.calls}) == 6
    body = server.calls[0].body
    assert body["model"] == "stub-coder"
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"]) == (0.6, 0.9, 77, 5)
    assert server.calls[0].path == "/v1/chat/completions"


def test_n_choices_come_from_one_request(server):
    lm = build_lm(LMConfig(kind="openai", model="stub-coder", api_base=server.base_url, temperature=0.8, n=3))
    outputs = lm("hello")
    assert [re.search(r"#(\d)", o).group(1) for o in outputs] == ["0", "1", "2"]
    assert len(server.calls) == 3 and {c.body["n"] for c in server.calls} == {3}


def test_stub_serves_models_and_text_completions(server):
    with urllib.request.urlopen(server.base_url + "/models", timeout=10) as resp:
        assert [m["id"] for m in json.load(resp)["data"]] == ["stub-coder"]
    request = urllib.request.Request(server.base_url + "/completions", method="POST",
                                     data=json.dumps({"model": "stub-coder", "prompt": "x", "n": 2}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        payload = json.load(resp)
    assert len(payload["choices"]) == 2 and payload["usage"]["total_tokens"] > 0


def test_missing_key_without_local_server_says_what_to_set(monkeypatch):
    monkeypatch.delenv("CRUX_TEST_MISSING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="CRUX_TEST_MISSING_KEY"):
        build_lm(LMConfig(kind="openai", model="openai/gpt-4o-mini", api_key_env="CRUX_TEST_MISSING_KEY"))
