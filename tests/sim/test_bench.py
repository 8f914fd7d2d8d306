"""sim.bench: the four modes run on the same inputs and the JSON line carries the figures (tiny run)."""
from __future__ import annotations

import json
from pathlib import Path

from sim.bench import bench_inputs, main
from sim.loaders import load_verilog_eval


def test_bench_inputs_are_the_reference_plus_distinct_mutants(verilog_eval_dir: Path):
    problems = load_verilog_eval(verilog_eval_dir)[30:32]
    inputs = bench_inputs(problems, group=4, seed=0)
    assert [p.task_id for p, _ in inputs] == [p.task_id for p in problems]
    for problem, codes in inputs:
        assert "module TopModule" in codes[0] and "RefModule" not in codes[0]
        assert len(codes) == 4 and len(set(codes)) == 4


def test_bench_prints_one_json_line_with_all_rates(verilog_eval_dir: Path, capsys):
    status = main(["--problems", str(verilog_eval_dir), "--limit", "2", "--group", "3", "--cycles", "100",
                   "--jobs", "2"])
    assert status == 0
    lines = capsys.readouterr().out.strip().splitlines()
    row = json.loads(lines[-1])
    for key in ("raw_per_s", "testbench_per_s", "cocotb_naive_per_s", "differential_per_s"):
        assert row[key] > 0, key
    assert row["candidates"] == 6
    assert abs(row["testbench_vs_raw"] - row["testbench_per_s"] / row["raw_per_s"]) < 0.01
    assert abs(row["differential_vs_cocotb_naive"] - row["differential_per_s"] / row["cocotb_naive_per_s"]) < 0.01
    # the same candidates get the same verdicts whether simulated alone or in a group
    assert row["passed"]["differential"] == row["passed"]["cocotb_naive"] >= 2
    assert row["passed"]["testbench"] == row["passed"]["raw"] >= 2


def test_bench_reports_a_missing_folder(tmp_path: Path, capsys):
    assert main(["--problems", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().out
