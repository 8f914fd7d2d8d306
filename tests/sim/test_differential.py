"""Differential mode: reference vs a group of candidates in one cocotb simulation (real Icarus + cocotb)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sim.config import SimConfig
from sim.differential import run_differential
from sim.differential.coverage import measure
from sim.differential.harness import declared_modules, port_problems, rename_modules
from sim.interface import module_io
from sim.loaders import load_verilog_eval, reference_as_candidate
from sim.problem import Problem
from sim.result import Status

CONFIG = SimConfig(diff_cycles=300, timeout_s=20)

DFF_ASYNC_LOW = """
module ref_dff(input clk, input rst_n, input [3:0] d, output reg [3:0] q, output [3:0] dbg);
  assign dbg = 4'bxxxx;  // unknown in the reference: a don't-care for every candidate
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 4'd0; else q <= d;
endmodule
"""
GOOD = """
module dff(input clk, input rst_n, input [3:0] d, output reg [3:0] q, output [3:0] dbg);
  helper h(.x(d), .y(dbg));  // a helper whose name another candidate also uses
  always @(posedge clk, negedge rst_n) begin
    if (rst_n == 1'b0) q <= 0;
    else q <= d;
  end
endmodule
module helper(input [3:0] x, output [3:0] y); assign y = ~x; endmodule
"""
SYNC_RESET = GOOD.replace("always @(posedge clk, negedge rst_n)", "always @(posedge clk)")
HIGH_RESET = GOOD.replace("rst_n == 1'b0", "rst_n == 1'b1")
WIDE_PORT = GOOD.replace("input [3:0] d", "input [4:0] d")
NO_TOP = GOOD.replace("module dff(", "module dff_x(")
SYNTAX = GOOD.replace("else q <= d;", "else q <= d")


def _problem(reference: str = DFF_ASYNC_LOW, top: str = "dff", ref_top: str = "ref_dff") -> Problem:
    return Problem(task_id="dff", spec="a 4-bit register", reference=reference, top=top, ref_top=ref_top)


def test_rename_and_port_checks_are_pure_text_operations():
    renamed = rename_modules(GOOD, "__c1")
    assert declared_modules(renamed) == ["dff__c1", "helper__c1"]
    assert "helper__c1 h(" in renamed and renamed.startswith("`resetall")
    ref = module_io(DFF_ASYNC_LOW, "ref_dff")
    assert port_problems(ref, module_io(GOOD, "dff")) == []
    assert port_problems(ref, module_io(WIDE_PORT, "dff")) == ["port 'd' is 5 bits wide, expected 4"]


def test_one_group_gives_every_candidate_its_own_verdict(tmp_path: Path):
    codes = [GOOD, SYNC_RESET, HIGH_RESET, None, WIDE_PORT, NO_TOP, SYNTAX, GOOD.replace("helper", "h2")]
    results = run_differential(_problem(), codes, CONFIG, tmp_path)
    statuses = [r.status for r in results]
    assert statuses == [Status.PASS, Status.MISMATCH, Status.MISMATCH, Status.NO_CODE, Status.COMPILE_ERROR,
                        Status.COMPILE_ERROR, Status.SYNTAX_ERROR, Status.PASS]
    good, sync, high = results[:3]
    assert good.samples > 3 * 250 and good.mismatches == 0 and good.rewards.functional == 1.0
    assert 0 < sync.mismatches < sync.samples  # an async reset driven mid-cycle exposes a sync one
    # the shared rule (sim.judge.functional_score): matching fraction, capped below a pass
    assert sync.rewards.compile == 1.0 and sync.rewards.functional == pytest.approx(min(0.99, 1 - sync.mismatches / sync.samples))
    assert "output 'q'" in high.feedback and "expected" in high.feedback and "cycle" in high.feedback
    assert "port 'd'" in results[4].feedback and results[4].rewards.compile == 0.0
    assert "module 'dff' not found" in results[5].feedback
    assert results[3].rewards.format == 0.0
    # exactly one cocotb simulation ran for the whole group
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("sim_")) == ["sim_group"]


def test_hanging_and_finishing_candidates_only_fail_themselves(tmp_path: Path):
    hang = GOOD.replace("else q <= d;", "else begin while (d == 4'd5) begin end q <= d; end")
    finish = GOOD.replace("else q <= d;", "else begin if (d == 4'd9) $finish; q <= d; end")
    config = replace(CONFIG, timeout_s=6)
    results = run_differential(_problem(), [GOOD, hang, finish, SYNC_RESET], config, tmp_path)
    assert [r.status for r in results] == [Status.PASS, Status.TIMEOUT, Status.RUNTIME_ERROR, Status.MISMATCH]


def test_verilog_eval_references_pass_against_themselves(verilog_eval_dir: Path, tmp_path: Path):
    picks = {"Prob027_fadd", "Prob047_dff8ar", "Prob060_m2014_q4k", "Prob078_dualedge", "Prob145_circuit8",
             "Prob127_lemmings1"}
    problems = [p for p in load_verilog_eval(verilog_eval_dir) if p.task_id in picks]
    assert len(problems) == len(picks)
    for problem in problems:
        bare = replace(problem, testbench=None, tb_top=None)
        [result] = run_differential(bare, [reference_as_candidate(problem)], CONFIG,
                                    tmp_path / problem.task_id)
        assert result.passed, (problem.task_id, result.feedback, result.log_tail[-500:])


def test_mutants_caught_by_the_testbench_are_caught_differentially(verilog_eval_dir: Path):
    picks = {"Prob035_count1to10", "Prob071_always_casez", "Prob107_fsm1s", "Prob121_2014_q3bfsm"}
    problems = [p for p in load_verilog_eval(verilog_eval_dir) if p.task_id in picks]
    rows = measure(problems, n_mutants=6, config=SimConfig(), jobs=2)
    assert all(r.reference_tb and r.reference_diff for r in rows)
    caught = sum(r.tb_caught for r in rows)
    assert caught >= 10
    assert sum(r.both_caught for r in rows) == caught, [(r.task_id, r.misses) for r in rows]


def test_a_candidate_that_breaks_the_group_build_is_blamed_alone(tmp_path: Path):
    undeclared = GOOD.replace("else q <= d;", "else q <= d_typo;")  # parses; only elaboration fails
    results = run_differential(_problem(), [GOOD, undeclared, HIGH_RESET], CONFIG, tmp_path)
    assert [r.status for r in results] == [Status.PASS, Status.COMPILE_ERROR, Status.MISMATCH]
    assert "d_typo" in results[1].feedback and results[1].rewards.compile == 0.0


def test_only_error_lines_blame_a_candidate_for_a_failed_group_build():
    """Icarus names files in warnings and "sorry:" notes too; those must not mark a valid candidate."""
    from sim.differential.run import _blame_build, _BuildFailure

    output = ("cand0.sv:7: sorry: constant selects in always_* processes are not currently supported "
              "(all bits will be included).\ncand0.sv:3: warning: Port 1 (d) of M expects 8 bits, got 4.\n"
              "cand1.sv:5: error: Unable to bind wire/reg/memory `d_typo' in `top__c1'\n")
    blamed = _blame_build(None, [(0, "..."), (1, "...")], _BuildFailure(output, Path(".")))
    assert list(blamed) == [1] and blamed[1].status is Status.COMPILE_ERROR


def test_a_candidate_that_floods_the_log_is_told_so(tmp_path: Path):
    spam = GOOD.replace("endmodule", 'initial forever #1 $display("spam spam spam spam spam spam");\nendmodule')
    config = replace(CONFIG, max_output_bytes=20_000)
    results = run_differential(_problem(), [GOOD, spam], config, tmp_path)
    assert [r.status for r in results] == [Status.PASS, Status.RUNTIME_ERROR]
    assert "printed more than 20000 bytes" in results[1].feedback


def test_a_candidate_cannot_use_the_reference_or_a_sibling_by_name(tmp_path: Path):
    """The reference is compiled beside the candidates; under a guessable name (`ref_dff__ref`, `dff__c0`) a
    candidate could instantiate it and forward its outputs. The names carry a fresh suffix per simulation."""
    ports = "(input clk, input rst_n, input [3:0] d, output [3:0] q, output [3:0] dbg)"
    forward = (f"module dff{ports};\n  {{inst}} u(.clk(clk), .rst_n(rst_n), .d(d), .q(q), .dbg(dbg));\n"
               "endmodule\n")
    codes = [GOOD, forward.format(inst="ref_dff__ref"), forward.format(inst="dff__c0"),
             forward.format(inst="ref_dff")]
    results = run_differential(_problem(), codes, CONFIG, tmp_path)
    assert results[0].passed
    assert not any(r.passed for r in results[1:]), [(r.status, r.feedback) for r in results]
