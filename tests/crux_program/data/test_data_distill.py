"""Distillation end to end with scripted stand-in LMs: the filter keeps a CRUX whose interface matches the
code and that the student realises, rejects one whose interface disagrees, and falls back to the extractor."""
from __future__ import annotations

import json

from dspy.utils import DummyLM

from crux_program.data.distill import CruxDistiller, DistillConfig
from crux_program.data.extract import extract_crux
from crux_program.data.triplet import Triplet
from sim.config import SimConfig

AND2 = "module and2(input a, input b, output y);\n    assign y = a & b;\nendmodule\n"
REG8 = ("module reg8(input clk, input rst_n, input [7:0] d, output reg [7:0] q);\n"
        "    always @(posedge clk or negedge rst_n) begin\n        if (!rst_n) q <= 8'd0;\n"
        "        else q <= d;\n    end\nendmodule\n")


def _iface(name: str, ports: list[tuple[str, str, str]]) -> str:
    return json.dumps({"module_name": name, "parameters": [],
                       "ports": [{"name": n, "direction": d, "width": w} for n, d, w in ports]})


def _teacher_answer(iface: str) -> dict:
    return {"interface": iface, "core_functions": '["y is a AND b"]', "key_considerations": '["combinational"]'}


def _triplets() -> list[Triplet]:
    return [Triplet(task_id="and", spec="An AND gate `and2`: y = a & b.", verilog=AND2, provenance="jsonl:x#1"),
            Triplet(task_id="reg", spec="An 8-bit register `reg8` with async active-low reset.", verilog=REG8,
                    provenance="jsonl:x#2")]


def test_extractor_reads_interface_and_clocking():
    crux = extract_crux(REG8)
    assert crux.interface.module_name == "reg8"
    assert [(p.name, p.direction, p.width) for p in crux.interface.ports] == [
        ("clk", "input", "1"), ("rst_n", "input", "1"), ("d", "input", "8"), ("q", "output", "8")]
    assert "rising edge of `clk`" in crux.core_functions[0]
    assert "asynchronous active-low" in crux.key_considerations[0]


def test_distillation_keeps_good_rejects_bad_interface_and_falls_back():
    good = _teacher_answer(_iface("and2", [("a", "input", "1"), ("b", "input", "1"), ("y", "output", "1")]))
    wrong = _teacher_answer(_iface("reg8", [("clk", "input", "1"), ("rst_n", "input", "1"), ("d", "input", "4"),
                                            ("q", "output", "4")]))  # 4-bit ports: the code has 8
    teacher = DummyLM([good, wrong])
    student = DummyLM([{"verilog": AND2.replace("a & b", "b & a")}])  # equivalent code: realisation passes
    result = CruxDistiller(teacher, student, DistillConfig(sim=SimConfig(diff_cycles=50))).distill(_triplets())
    assert result.outcomes == {"teacher": 1, "rejected_interface": 1, "extracted": 1}
    assert "assign y = a & b" in json.dumps(teacher.history[0]["messages"])  # the code went in as a hint
    by_id = {t.task_id: t for t in result.kept}
    assert by_id["and"].crux.core_functions == ["y is a AND b"]
    assert by_id["and"].provenance == "jsonl:x#1+crux:teacher"
    assert by_id["reg"].provenance == "jsonl:x#2+crux:extracted"
    assert by_id["reg"].crux.interface.ports[2].width == "8"  # the extractor's, not the teacher's 4


def test_student_that_cannot_realise_the_crux_rejects_it():
    good = _teacher_answer(_iface("and2", [("a", "input", "1"), ("b", "input", "1"), ("y", "output", "1")]))
    teacher = DummyLM([good])
    student = DummyLM([{"verilog": AND2.replace("a & b", "a | b")}])  # wrong function
    cfg = DistillConfig(fallback=False, sim=SimConfig(diff_cycles=50))
    result = CruxDistiller(teacher, student, cfg).distill(_triplets()[:1])
    assert result.kept == []
    assert result.outcomes == {"rejected_realise": 1, "dropped": 1}


def test_an_unreachable_teacher_stops_distillation_with_what_to_check():
    """Every teacher call raising (server down) is a setup error, not a corpus of extracted CRUXes."""
    import dspy
    import pytest

    from crux_program.data.distill import FAIL_FAST_AFTER

    class Down(dspy.LM):
        def __init__(self):
            super().__init__("stub/down", num_retries=0)

        def forward(self, *args, **kwargs):
            raise ConnectionError("connection refused")

    many = [t.model_copy(update={"task_id": f"{t.task_id}{k}"}) for k in range(FAIL_FAST_AFTER) for t in _triplets()]
    with pytest.raises(RuntimeError, match="Check its model name, api_base and key"):
        CruxDistiller(Down(), None, DistillConfig(realise=False)).distill(many)
