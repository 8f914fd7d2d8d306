"""Which compiler runs: a setting no compiler can train on evaluates as is, with the reason, and reports 'none'."""
from __future__ import annotations

from crux_program.evaluation.compile_plan import plan_compile


def test_a_weight_compiler_on_a_served_model_does_not_run_and_says_what_would():
    plan = plan_compile("sft_grpo", "openai", "synthetic", has_train=True)
    assert plan.compiler == "none" and not plan.trains
    assert "lm=tiny or lm=hf" in plan.reason and "compiler=bootstrap" in plan.reason


def test_test_only_data_compiles_nothing():
    plan = plan_compile("grpo", "tiny", "verilog_eval", has_train=False)
    assert plan.compiler == "none" and "data=verilog_eval has no training split" in plan.reason


def test_what_can_run_runs():
    assert plan_compile("sft_grpo", "tiny", "synthetic", True).compiler == "sft_grpo"
    assert plan_compile("bootstrap", "openai", "synthetic", True).compiler == "bootstrap"  # prompts: any LM
    assert plan_compile("none", "openai", "verilog_eval", False).reason is None


def test_a_weight_compiler_given_a_served_lm_names_the_override_as_typed():
    """Reached from Python (run.py plans around it): the message names lm.model=PATH, the key a user types."""
    import dspy
    import pytest

    from optimizers.base import local_model_path

    with pytest.raises(TypeError, match="lm=hf lm.model=PATH"):
        local_model_path(dspy.LM("openai/served", api_base="http://127.0.0.1:9/v1"))
