"""benches.differential_coverage: differential mode catches what the official testbenches catch (real Icarus +
cocotb, four VerilogEval problems and their mutants)."""
from __future__ import annotations

from pathlib import Path

from benches.differential_coverage import measure
from sim.config import SimConfig
from sim.loaders import load_verilog_eval


def test_mutants_caught_by_the_testbench_are_caught_differentially(verilog_eval_dir: Path):
    picks = {"Prob035_count1to10", "Prob071_always_casez", "Prob107_fsm1s", "Prob121_2014_q3bfsm"}
    problems = [p for p in load_verilog_eval(verilog_eval_dir) if p.task_id in picks]
    rows = measure(problems, n_mutants=6, config=SimConfig(), jobs=2)
    assert all(r.reference_tb and r.reference_diff for r in rows)
    caught = sum(r.tb_caught for r in rows)
    assert caught >= 10
    assert sum(r.both_caught for r in rows) == caught, [(r.task_id, r.misses) for r in rows]
