"""LocalLM: a local HF folder as a dspy.LM that merges concurrent requests into one `generate`."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import dspy
import pytest

from crux_program.lm.local import LocalLM
from crux_program.lm.local_engine import GenerationJob
from crux_program.lm.sampling import SampleSettings
from tests.crux_program.lm_fixtures import random_tiny_model, scripted_tiny_model


@pytest.fixture(scope="module")
def scripted_dir(tmp_path_factory) -> Path:
    return scripted_tiny_model(tmp_path_factory.mktemp("scripted") / "model")


@pytest.fixture(scope="module")
def random_dir(tmp_path_factory) -> Path:
    return random_tiny_model(tmp_path_factory.mktemp("random") / "model")


def test_predict_from_threads_answers_through_merged_generate_calls(scripted_dir):
    # A generous window: on a loaded CI machine the 8 threads still land in few batches.
    lm = LocalLM(scripted_dir, device="cpu", max_tokens=8, batch_window_ms=300)
    devset = [dspy.Example(question=f"What is {i} + 1?", answer="forty-two").with_inputs("question")
              for i in range(8)]
    evaluate = dspy.Evaluate(devset=devset, metric=lambda ex, pred, trace=None: ex.answer == pred.answer,
                             num_threads=8, display_progress=False)
    with dspy.context(lm=lm, adapter=dspy.ChatAdapter(use_json_adapter_fallback=False)):
        result = evaluate(dspy.Predict("question -> answer"))
    lm.close()
    assert result.score == 100.0
    assert lm.stats.jobs == 8
    assert lm.stats.calls < 8 and max(lm.stats.batch_sizes) > 1, lm.stats.batch_sizes
    assert len(lm.history) == 8 and lm.history[0]["messages"][0]["role"] == "system"


def test_calls_raise_no_deprecation_warning(scripted_dir):
    lm = LocalLM(scripted_dir, device="cpu", max_tokens=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm("hello")
        dspy.Predict("question -> answer")(question="hi", lm=lm)
    lm.close()
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning) and "dspy" in str(w.message)]


def test_batched_rows_match_rows_run_alone(random_dir):
    lm = LocalLM(random_dir, device="cpu")
    engine = lm.local_engine
    tok = engine.tokenizer
    short = GenerationJob(tuple(tok.encode("module a;")), SampleSettings(max_tokens=6))
    sampled = GenerationJob(tuple(tok.encode("x")), SampleSettings(temperature=1.0, max_tokens=6, seed=5))
    long_ = GenerationJob(tuple(tok.encode("a much longer prompt that forces left padding " * 3)),
                          SampleSettings(max_tokens=3))
    alone = [engine.generate_batch([job])[0] for job in (short, sampled)]
    together = engine.generate_batch([long_, short, sampled])
    lm.close()
    assert [g.text for g in together[1:]] == [g.text for g in alone]
    assert together[0].completion_tokens <= 3 and together[1].completion_tokens <= 6  # per-row budgets
    assert together[0].prompt_tokens == len(long_.prompt_ids)


def test_n_samples_are_distinct_and_reproducible(random_dir):
    first = LocalLM(random_dir, device="cpu", max_tokens=12, temperature=1.0, seed=11)
    samples = first("Write a counter.", n=4)
    again = LocalLM(random_dir, device="cpu", max_tokens=12, temperature=1.0, seed=11)("Write a counter.", n=4)
    other_seed = LocalLM(random_dir, device="cpu", max_tokens=12, temperature=1.0, seed=12)("Write a counter.", n=4)
    greedy = LocalLM(random_dir, device="cpu", max_tokens=12)("Write a counter.", n=3)
    assert len(samples) == 4 and len(set(samples)) == 4
    assert again == samples
    assert other_seed != samples
    assert len(set(greedy)) == 1  # temperature 0 is greedy: n copies of the same answer
    # With the cache off (the default), asking again continues the sequence of draws.
    assert set(first("Write a counter.", n=2)).isdisjoint(samples)


def test_with_model_rebinds_to_another_folder_keeping_settings(scripted_dir, random_dir):
    lm = LocalLM(random_dir, device="cpu", max_tokens=8, temperature=0.5, top_p=0.9, seed=3)
    tuned = lm.with_model(scripted_dir)
    assert isinstance(tuned, LocalLM) and tuned.model_path == scripted_dir
    assert {k: tuned.kwargs[k] for k in ("temperature", "top_p", "max_tokens", "seed")} == \
        {"temperature": 0.5, "top_p": 0.9, "max_tokens": 8, "seed": 3}
    assert tuned("hi", temperature=0.0) == ["[[ ## answer ## ]]\nforty-two\n\n[[ ## completed ## ]]"]
    lm.close()
    tuned.close()


def test_state_round_trip_and_copies_share_the_engine(scripted_dir):
    lm = LocalLM(scripted_dir, device="cpu", max_tokens=8, temperature=0.3)
    state = lm.dump_state()
    assert state["model_path"] == str(scripted_dir)
    loaded = dspy.BaseLM.load_state(state, allow_custom_lm_class=True)
    assert isinstance(loaded, LocalLM) and loaded.model_path == scripted_dir and loaded.kwargs["temperature"] == 0.3
    with pytest.raises(ValueError, match="allow_unsafe_lm_state"):
        dspy.BaseLM.load_state(state)
    program = dspy.Predict("question -> answer")
    program.lm = lm
    assert copy.deepcopy(lm).engine is lm.engine
    assert program.deepcopy().lm.engine is lm.engine  # a deep-copied program never copies the weights
    lm.close()
    loaded.close()


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_tiny_model"):
        LocalLM(tmp_path / "nothing-here")


def test_program_save_and_load_rebuilds_the_local_lm(scripted_dir, tmp_path):
    lm = LocalLM(scripted_dir, device="cpu", max_tokens=8)
    program = dspy.Predict("question -> answer")
    program.lm = lm
    program.save(tmp_path / "program.json")
    restored = dspy.Predict("question -> answer")
    restored.load(tmp_path / "program.json", allow_unsafe_lm_state=True)
    assert isinstance(restored.lm, LocalLM) and restored.lm.model_path == scripted_dir
    assert restored(question="hi").answer == "forty-two"
    lm.close()
    restored.lm.close()


def test_predict_with_n_gets_n_completions(scripted_dir):
    lm = LocalLM(scripted_dir, device="cpu", max_tokens=8)
    with dspy.context(lm=lm, adapter=dspy.ChatAdapter(use_json_adapter_fallback=False)):
        prediction = dspy.Predict("question -> answer", n=3)(question="hi")
    lm.close()
    assert prediction.completions.answer == ["forty-two"] * 3
    assert lm.stats.jobs == 3


def test_a_lora_adapter_folder_serves_like_a_model(random_dir, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)  # the adapter's random init: same test every run
    base = AutoModelForCausalLM.from_pretrained(random_dir)
    adapted = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    adapted.save_pretrained(tmp_path / "adapter")  # no tokenizer saved: it comes from the base folder
    lm = LocalLM(random_dir, device="cpu", max_tokens=10)
    tuned = lm.with_model(tmp_path / "adapter")
    (text,) = tuned("Write a counter.")
    ids = torch.tensor([tuned.local_engine.tokenizer.encode("module counter;")])
    with torch.no_grad():
        base_logits = lm.local_engine.model(ids).logits
        tuned_logits = tuned.local_engine.model(ids).logits
    lm.close()
    tuned.close()
    assert isinstance(text, str) and tuned.model_path == tmp_path / "adapter"
    assert not torch.allclose(base_logits, tuned_logits)  # the adapter's (random, non-zero) weights are applied


def test_with_model_loads_the_checkpoint_at_its_first_call_and_close_drops_it(random_dir):
    """A checkpoint bound to a program that never runs here (an SFT stage's output that GRPO trains from its
    own copy) must not hold a second set of weights; a directly built LocalLM still loads (and fails) at once."""
    lm = LocalLM(random_dir, device="cpu", max_tokens=4)
    assert lm.local_engine.loaded
    tuned = lm.with_model(random_dir)
    assert not tuned.local_engine.loaded
    (text,) = tuned("hi")
    assert isinstance(text, str) and tuned.local_engine.loaded
    tuned.close()
    lm.close()
    assert not tuned.local_engine.loaded and not lm.local_engine.loaded
