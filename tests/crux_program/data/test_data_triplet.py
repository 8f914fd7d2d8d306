"""Triplet: JSONL round trip, the judge's Problem, and the dspy.Example every package consumes."""
from __future__ import annotations

import pytest

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.data.triplet import Triplet, load_split, read_jsonl, top_module, write_jsonl

HELPER = ("module half(input a, input b, output s, output c);\n    assign s = a ^ b;\n    assign c = a & b;\n"
          "endmodule\n\n// top uses half\nmodule full(input a, input b, input ci, output s, output co);\n"
          "    wire s1, c1, c2;\n    half h1(.a(a), .b(b), .s(s1), .c(c1));\n    half h2(.a(s1), .b(ci), .s(s), .c(c2));\n"
          "    assign co = c1 | c2;\nendmodule\n")


def _triplet() -> Triplet:
    crux = Crux(interface=ModuleInterface(module_name="full", ports=[Port(name="a", direction="input")]),
                core_functions=["adds"], key_considerations=[])
    return Triplet(task_id="t/1", spec="A full adder `full`.", verilog=HELPER, crux=crux, family="adder",
                   level="special", split="test_seen", provenance="synthetic:seed=0")


def test_top_module_skips_instantiated_helpers():
    assert top_module(HELPER) == "full"
    with pytest.raises(ValueError, match="no `module`"):
        top_module("assign x = 1;")


def test_jsonl_round_trip(tmp_path):
    t = _triplet()
    write_jsonl(tmp_path / "test_seen.jsonl", [t, t.model_copy(update={"task_id": "t/2", "crux": None})])
    back = load_split(tmp_path, "test_seen")
    assert back[0] == t and back[1].crux is None
    (tmp_path / "bad.jsonl").write_text('{"task_id": 3}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        read_jsonl(tmp_path / "bad.jsonl")
    with pytest.raises(FileNotFoundError, match="python -m crux_program.data"):
        load_split(tmp_path, "train")


def test_problem_and_example():
    t = _triplet()
    p = t.problem()
    assert (p.task_id, p.top, p.reference, p.testbench, p.source) == ("t/1", "full", HELPER, None, "synthetic")
    ex = t.to_example()
    assert set(ex.inputs().keys()) == {"spec"}
    assert ex.problem == p and ex.crux == t.crux and ex.family == "adder" and ex.level == "special"
    assert ex.split == "test_seen" and ex.verilog == HELPER
