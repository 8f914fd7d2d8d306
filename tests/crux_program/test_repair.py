"""RepairLoop on a real problem simulated with Icarus: a broken first answer is repaired from the simulator's words."""
from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.modules import CruxPipeline, DirectVerilog
from crux_program.repair import RepairLoop
from sim.adapters.metric import SimMetric
from sim.config import SimConfig
from sim.core import Verifier
from sim.problem import Problem
from sim.result import Status

REFERENCE = """module RefModule(input clk, input reset, input [3:0] d, output reg [3:0] q);
  always @(posedge clk) if (reset) q <= 0; else q <= q + d;
endmodule
"""
PROBLEM = Problem(task_id="acc4", spec="Add d into q on each rising clk; a synchronous active-high reset clears q.",
                  reference=REFERENCE, top="TopModule", ref_top="RefModule", source="custom")
GOOD = REFERENCE.replace("RefModule", "TopModule")
WRONG = GOOD.replace("q + d", "q - d")
UNDECLARED = GOOD.replace("q + d", "q + dd")


@pytest.fixture(scope="module")
def verifier():
    with Verifier(SimConfig(jobs=1)) as v:
        yield v


def test_mismatch_is_repaired_from_feedback(verifier: Verifier) -> None:
    lm = DummyLM([{"verilog": WRONG}, {"verilog": GOOD}])
    with dspy.context(lm=lm):
        pred = RepairLoop(DirectVerilog(), verifier)(spec=PROBLEM.spec, problem=PROBLEM)
    assert pred.passed and pred.attempts == 2 and pred.verilog == GOOD.strip()
    assert [r.status for r in pred.history] == [Status.MISMATCH, Status.PASS]
    repair_prompt = lm.history[-1]["messages"][-1]["content"]
    assert "[[ ## previous_verilog ## ]]" in repair_prompt and "q - d" in repair_prompt
    assert "first differs at cycle" in repair_prompt  # the simulator's words reach the model


def test_compile_error_then_mismatch_then_pass_within_three_attempts(verifier: Verifier) -> None:
    crux = Crux(interface=ModuleInterface(module_name="TopModule", ports=[Port(name="clk", direction="input")]),
                core_functions=["add"], key_considerations=["sync reset"])
    lm = DummyLM([{"interface": crux.interface, "core_functions": ["add"], "key_considerations": ["sync reset"]},
                  {"verilog": UNDECLARED}, {"verilog": WRONG}, {"verilog": GOOD}])
    with dspy.context(lm=lm):
        pred = RepairLoop(CruxPipeline(), verifier, max_attempts=3)(spec=PROBLEM.spec, problem=PROBLEM)
    assert pred.passed and pred.attempts == 3 and pred.crux == crux  # the inner program's fields are kept
    assert pred.history[0].status in (Status.COMPILE_ERROR, Status.SYNTAX_ERROR)
    assert "dd" in lm.history[2]["messages"][-1]["content"]  # the first repair saw the compile error


def test_gives_up_after_max_attempts(verifier: Verifier) -> None:
    lm = DummyLM([{"verilog": WRONG}, {"verilog": WRONG}, {"unmarked": "still " + WRONG}])
    with dspy.context(lm=lm):
        pred = RepairLoop(DirectVerilog(), verifier, max_attempts=3)(spec=PROBLEM.spec, problem=PROBLEM)
    assert not pred.passed and pred.attempts == 3 and len(lm.history) == 3
    with pytest.raises(ValueError, match="max_attempts"):
        RepairLoop(DirectVerilog(), verifier, max_attempts=0)


def test_evaluates_and_compiles_like_any_module(verifier: Verifier) -> None:
    examples = [dspy.Example(spec=PROBLEM.spec, problem=PROBLEM).with_inputs("spec", "problem")]
    loop = RepairLoop(DirectVerilog(), verifier, max_attempts=2)
    assert [name for name, _ in loop.named_predictors()] == ["program.spec_to_verilog", "repair"]
    with dspy.context(lm=DummyLM([{"verilog": WRONG}, {"verilog": GOOD}])):
        assert dspy.Evaluate(devset=examples, metric=SimMetric(verifier), num_threads=1)(loop).score == 100.0
    copy = loop.deepcopy()
    assert copy.max_attempts == 2 and copy.repair is not loop.repair
