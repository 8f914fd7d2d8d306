"""VerilogEval v2's code-complete task loads from its own folder, with the interface the official flow prepends."""
from __future__ import annotations

import pytest

from crux_program.data.sources import BenchmarkData
from crux_program.errors import UserError
from sim.loaders import is_code_complete_folder, load_problems, reference_body
from tests.conftest import BENCHMARKS

V2 = BENCHMARKS / "verilog-eval-v2"
FOLDERS = {"spec_to_rtl": "dataset_spec-to-rtl", "code_complete": "dataset_code-complete-iccad2023"}


def test_code_complete_problems_carry_their_interface_and_their_own_files():
    complete = load_problems(V2 / FOLDERS["code_complete"])
    spec = {p.task_id: p for p in load_problems(V2 / FOLDERS["spec_to_rtl"])}
    assert len(complete) == 156 and [p.task_id for p in complete] == list(spec)
    assert is_code_complete_folder(V2 / FOLDERS["code_complete"]) and not is_code_complete_folder(
        V2 / FOLDERS["spec_to_rtl"])
    for p in complete:
        assert p.interface_prefix == (V2 / FOLDERS["code_complete"] / f"{p.task_id}_ifc.txt").read_text()
        assert "module TopModule" in p.interface_prefix and "module TopModule" in p.spec
        assert p.source == "verilog_eval" and spec[p.task_id].interface_prefix is None
    q6c = next(p for p in complete if p.task_id == "Prob099_m2014_q6c")
    assert q6c.reference != spec["Prob099_m2014_q6c"].reference  # this task's copy has its port names fixed


def test_reference_body_drops_only_the_header():
    zero = load_problems(V2 / FOLDERS["code_complete"])[0]
    assert reference_body(zero) == "  assign zero = 1'b0;\n\nendmodule\n\n"


@pytest.mark.parametrize("task, folder", [("code_complete", "spec_to_rtl"), ("spec_to_rtl", "code_complete")])
def test_a_folder_of_the_other_task_is_refused(task, folder):
    data = BenchmarkData(name="verilog_eval", path=str(V2 / FOLDERS[folder]), task=task, folders=FOLDERS)
    with pytest.raises(UserError, match=f"data.task={task} but .* holds VerilogEval's {folder}"):
        data.load()
    assert len(BenchmarkData(name="verilog_eval", path=str(V2 / FOLDERS[task]), task=task, folders=FOLDERS,
                             limit=2).load().test) == 2
