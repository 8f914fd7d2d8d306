"""Loaders: both layouts, kind detection, spaces in folder names, clear errors naming the path."""
from __future__ import annotations

import shutil

import pytest

from sim.loaders import BenchmarkLayoutError, detect_kind, load_problems, reference_as_candidate


def test_verilog_eval_problems(verilog_eval_dir):
    problems = load_problems(verilog_eval_dir)
    assert len(problems) == 156 and problems[0].task_id == "Prob001_zero"
    p = problems[0]
    assert (p.top, p.ref_top, p.tb_top, p.source) == ("TopModule", "RefModule", "tb", "verilog_eval")
    assert "module RefModule" in p.reference and "module tb" in p.testbench and "TopModule" in p.spec
    assert "module TopModule" in reference_as_candidate(p)


def test_rtllm_any_depth_and_spaces(rtllm_dir, tmp_path):
    problems = {p.task_id: p for p in load_problems(rtllm_dir)}
    assert len(problems) == 10
    fsm = problems["fsm"]  # lives under "Control/Finite State Machine/"
    assert fsm.top == "fsm" and fsm.ref_top == "verified_fsm" and fsm.tb_top == "main"
    assert set(problems["asyn_fifo"].extra_files) == {"wfull.txt", "rempty.txt", "tdata.txt"}
    assert problems["asyn_fifo"].ref_top == "verified_asyn_fifo"  # not its helper dual_port_RAM
    # a deeper copy with a space at every level loads the same way
    deep = tmp_path / "a b" / "c d"
    shutil.copytree(rtllm_dir / "Miscellaneous" / "RISC-V" / "alu", deep / "alu")
    [alu] = load_problems(tmp_path)
    assert alu.task_id == "alu" and alu.extra_files["reference.dat"].is_file()


def test_detect_kind(verilog_eval_dir, rtllm_dir):
    assert detect_kind(verilog_eval_dir) == "verilog_eval" and detect_kind(rtllm_dir) == "rtllm"


def test_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        load_problems(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkLayoutError, match="empty"):
        load_problems(tmp_path / "empty")


def test_incomplete_verilog_eval_folder(tmp_path, verilog_eval_dir):
    for name in ("Prob001_zero_prompt.txt", "Prob001_zero_test.sv"):
        shutil.copy(verilog_eval_dir / name, tmp_path / name)
    with pytest.raises(BenchmarkLayoutError, match="Prob001_zero_ref.sv"):
        load_problems(tmp_path)
