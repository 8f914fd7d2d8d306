"""vLLM is optional: never imported unless chosen, and a clear instruction when it is chosen but missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crux_program.lm import LMConfig, build_lm


def test_missing_vllm_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # make `import vllm` fail even where it is installed
    with pytest.raises(ImportError, match=r"pip install 'crux-compiler\[vllm\]' on a CUDA machine") as info:
        build_lm(LMConfig(kind="vllm", model="/models/some-folder"))
    assert "lm=openai" in str(info.value)  # and the alternative: a served model


def test_other_backends_never_import_vllm():
    code = ("import sys; import crux_program.lm, crux_program.lm.factory, crux_program.lm.openai_compat; "
            "print('vllm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


class _FakeLLM:
    """Stands in for vllm.LLM (vLLM cannot run on a CPU machine): records what our engine hands it."""

    instances: list[_FakeLLM] = []

    def __init__(self, model: str, dtype: str, seed: int, **kwargs) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.generate_calls: list[tuple[list[str], list]] = []
        _FakeLLM.instances.append(self)

    def get_tokenizer(self):
        return self.tokenizer

    def generate(self, prompts, params, use_tqdm=False):
        from types import SimpleNamespace

        self.generate_calls.append((list(prompts), list(params)))
        return [SimpleNamespace(prompt_token_ids=[1, 2, 3], outputs=[SimpleNamespace(
            text=f"[[ ## answer ## ]]\nseed {p.seed}\n\n[[ ## completed ## ]]", token_ids=[4, 5], finish_reason="stop")])
            for p in params]


def test_vllm_engine_batches_requests_with_their_own_sampling_params(monkeypatch, tmp_path):
    import types
    from dataclasses import dataclass

    import dspy

    from tests.crux_program.lm_fixtures import random_tiny_model

    @dataclass
    class SamplingParams:
        temperature: float
        top_p: float
        max_tokens: int
        seed: int
        stop: list | None = None

    fake = types.ModuleType("vllm")
    fake.LLM, fake.SamplingParams = _FakeLLM, SamplingParams
    monkeypatch.setitem(sys.modules, "vllm", fake)
    model_dir = random_tiny_model(tmp_path / "m")
    lm = build_lm(LMConfig(kind="vllm", model=str(model_dir), temperature=0.7, top_p=0.9, max_tokens=33,
                           batch_window_ms=300))
    devset = [dspy.Example(question=f"q{i}").with_inputs("question") for i in range(4)]
    evaluate = dspy.Evaluate(devset=devset, metric=lambda ex, pred, trace=None: pred.answer.startswith("seed"),
                             num_threads=4, display_progress=False)
    with dspy.context(lm=lm, adapter=dspy.ChatAdapter(use_json_adapter_fallback=False)):
        assert evaluate(dspy.Predict("question -> answer")).score == 100.0
    llm = _FakeLLM.instances[-1]
    prompts = [p for call in llm.generate_calls for p in call[0]]
    params = [p for call in llm.generate_calls for p in call[1]]
    assert len(llm.generate_calls) < 4 and len(prompts) == 4  # merged
    assert all(p.endswith("<|im_start|>assistant\n") for p in prompts)  # the model's chat template
    assert {(p.temperature, p.top_p, p.max_tokens) for p in params} == {(0.7, 0.9, 33)}
    lm.engine.close()
