"""Verifier: modes, verdict fields, rewards and feedback, and delegation to differential mode."""
from __future__ import annotations

import dataclasses

import pytest

from sim import SimConfig, Status, Verifier
from sim.loaders import load_problems, reference_as_candidate


@pytest.fixture(scope="module")
def dff8(verilog_eval_dir):
    return next(p for p in load_problems(verilog_eval_dir) if p.task_id == "Prob034_dff8")


@pytest.fixture(scope="module")
def verifier():
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as v:
        yield v


def test_pass_fields(dff8, verifier):
    r = verifier.check(dff8, f"```verilog\n{reference_as_candidate(dff8)}\n```")
    assert r.passed and r.status is Status.PASS and r.samples > 0 and r.seconds > 0
    assert r.verdict_row()["passed"] is True and "Mismatches: 0 in" in r.log_tail


def test_no_code(dff8, verifier):
    r = verifier.check(dff8, "I am not sure how to do this.")
    assert r.status is Status.NO_CODE and r.rewards.format == 0.0 and r.feedback


def test_syntax_error_stopped_by_gate_with_feedback(dff8, verifier):
    bad = reference_as_candidate(dff8).replace("q <= d;", "q <= d")
    r = verifier.check(dff8, bad)
    assert r.status is Status.SYNTAX_ERROR and r.seconds == 0.0  # no simulator ran
    assert "expected ';'" in r.feedback
    assert (r.rewards.format, r.rewards.compile, r.rewards.functional) == (1.0, 0.0, 0.0)


def test_syntax_error_without_gate_is_the_simulators(dff8):
    bad = reference_as_candidate(dff8).replace("q <= d;", "q <= d")
    with Verifier(SimConfig(jobs=1, gate=False)) as v:
        r = v.check(dff8, bad)
    assert r.status is Status.SYNTAX_ERROR and "syntax error" in r.feedback and r.seconds > 0


def test_wrong_module_name_is_compile_error(dff8, verifier):
    r = verifier.check(dff8, reference_as_candidate(dff8).replace("TopModule", "MyDff"))
    assert r.status is Status.COMPILE_ERROR and r.rewards.format == 0.0 and "Unknown module type" in r.feedback


def test_mismatch_partial_credit(dff8, verifier):
    bad = reference_as_candidate(dff8).replace("q <= d;", "q <= {d[7:1], 1'b0};")
    r = verifier.check(dff8, bad)
    assert r.status is Status.MISMATCH and 0 < r.mismatches < r.samples
    assert r.rewards.functional == pytest.approx(1 - r.mismatches / r.samples)
    assert r.feedback.startswith("Hint: Output 'q' has")


def test_mode_resolution(dff8):
    no_tb = dataclasses.replace(dff8, testbench=None)
    assert Verifier(SimConfig(mode="auto")).mode_for(dff8) == "testbench"
    assert Verifier(SimConfig(mode="auto")).mode_for(no_tb) == "differential"
    with pytest.raises(ValueError, match="has none"):
        Verifier(SimConfig(mode="testbench")).mode_for(no_tb)


def test_differential_group_delegates_and_prechecks(dff8):
    """Differential mode: one group, pre-verdicts (no code, refused file access) never reach cocotb."""
    no_tb = dataclasses.replace(dff8, testbench=None)
    ref = reference_as_candidate(dff8)
    wrong = ref.replace("q <= d;", "q <= ~d;")
    hostile = ref.replace("endmodule", 'reg [7:0] m [0:1]; initial $readmemh("/etc/passwd", m);\nendmodule')
    with Verifier(SimConfig(jobs=1, mode="differential", timeout_s=60)) as v:
        results = v.check_group(no_tb, [ref, wrong, "no code", hostile])
    assert [r.status for r in results] == [Status.PASS, Status.MISMATCH, Status.NO_CODE, Status.RUNTIME_ERROR]
    assert results[1].mismatches > 0 and results[1].rewards.format == 1.0


def test_config_validation():
    with pytest.raises(ValueError, match="mode"):
        SimConfig(mode="fast")
    with pytest.raises(ValueError, match="simulator"):
        SimConfig(simulator="vcs")
    with pytest.raises(ValueError, match="sim=icarus.*not supported yet"):  # refused up front, not per candidate
        SimConfig(simulator="verilator")
    assert SimConfig(jobs=0).workers >= 1


def test_missing_icarus_is_a_clear_error(dff8, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match="apt-get install -y iverilog"):
        Verifier(SimConfig(jobs=1)).check(dff8, reference_as_candidate(dff8))
