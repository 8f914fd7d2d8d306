"""SimMetric on a real Icarus-simulated problem: scores for Evaluate, feedback for GEPA, a pass for bootstrapping."""
from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from crux_program.modules import DirectVerilog
from sim.adapters.metric import SimMetric
from sim.config import SimConfig
from sim.core import Verifier
from sim.problem import Problem

REFERENCE = """module RefModule(input clk, input reset, input [3:0] d, output reg [3:0] q);
  always @(posedge clk) if (reset) q <= 0; else q <= q + d;
endmodule
"""
PROBLEM = Problem(task_id="acc4", spec="Add d into q on each rising clk; a synchronous active-high reset clears q.",
                  reference=REFERENCE, top="TopModule", ref_top="RefModule", source="custom")
GOOD = REFERENCE.replace("RefModule", "TopModule")
WRONG = GOOD.replace("q + d", "q - d")


@pytest.fixture(scope="module")
def metric():
    with Verifier(SimConfig(jobs=1)) as verifier:
        yield SimMetric(verifier)


def _example() -> dspy.Example:
    return dspy.Example(task_id=PROBLEM.task_id, spec=PROBLEM.spec, problem=PROBLEM).with_inputs("spec")


def test_pass_scores_one(metric: SimMetric) -> None:
    out = metric(_example(), dspy.Prediction(verilog=f"Here you go:\n```verilog\n{GOOD}```"))
    assert isinstance(out, dspy.Prediction) and out.score == 1.0 and float(out) == 1.0
    assert "passed" in out.feedback


def test_mismatch_gives_the_simulators_words(metric: SimMetric) -> None:
    out = metric(_example(), dspy.Prediction(verilog=WRONG))
    assert out.score == 0.0
    assert "mismatch" in out.feedback and "first differs at cycle" in out.feedback and "'q'" in out.feedback


def test_compile_error_and_missing_code_feedback(metric: SimMetric) -> None:
    broken = metric(_example(), dspy.Prediction(verilog=GOOD.replace("q + d", "q + missing_signal")))
    assert broken.score == 0.0 and "missing_signal" in broken.feedback
    assert "no_code" in metric(_example(), dspy.Prediction(verilog="I cannot do that.")).feedback
    assert metric(_example(), dspy.Prediction()).score == 0.0  # a prediction without .verilog scores 0


def test_partial_credit_and_bootstrap_pass(metric: SimMetric) -> None:
    partial = SimMetric(metric.verifier, partial_credit=True)(_example(), dspy.Prediction(verilog=WRONG))
    assert 0.0 < partial.score < 1.0
    trace = [("predictor", {}, {})]
    assert metric(_example(), dspy.Prediction(verilog=GOOD), trace) is True  # BootstrapFewShot's call
    assert metric(_example(), dspy.Prediction(verilog=WRONG), trace) is False
    gepa = metric(_example(), dspy.Prediction(verilog=WRONG), trace, "spec_to_crux", trace)  # GEPA's call
    assert gepa.score == 0.0 and "CRUX plan" in gepa.feedback


def test_evaluate_sums_prediction_scores(metric: SimMetric) -> None:
    examples = [_example(), _example().copy(spec=PROBLEM.spec + " ")]
    with dspy.context(lm=DummyLM([{"verilog": GOOD}, {"verilog": WRONG}])):
        result = dspy.Evaluate(devset=examples, metric=metric, num_threads=1)(DirectVerilog())
    assert result.score == 50.0
    assert sorted(float(score) for *_, score in result.results) == [0.0, 1.0]


def test_example_without_problem_says_what_to_do(metric: SimMetric) -> None:
    with pytest.raises(ValueError, match="example.problem"):
        metric(dspy.Example(spec="x").with_inputs("spec"), dspy.Prediction(verilog=GOOD))


def test_gepa_reflection_reads_the_simulators_feedback(metric: SimMetric) -> None:
    trainset = [_example(), _example().copy(spec=PROBLEM.spec + " ")]
    reflection_lm = DummyLM([{"new_instruction": "Write Verilog; accumulate with +, never -."}] * 20,
                            adapter=dspy.JSONAdapter())
    with dspy.context(lm=DummyLM([{"verilog": WRONG}] * 100)):
        gepa = dspy.GEPA(metric=metric, reflection_lm=reflection_lm, max_metric_calls=6,
                         reflection_minibatch_size=1, num_threads=1)
        gepa.compile(DirectVerilog(), trainset=trainset, valset=trainset)
    reflection_prompt = reflection_lm.history[0]["messages"][-1]["content"]
    assert "first differs at cycle" in reflection_prompt and "The Verilog failed: mismatch" in reflection_prompt
