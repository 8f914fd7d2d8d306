"""Decontamination on planted overlaps: a VerilogEval problem renamed and re-spaced inside a corpus is caught,
by its code and by its spec; a row that merely shares a port list (or the benchmark's prompt template) is not."""
from __future__ import annotations

import json
import re

from crux_program.data.corpus_prep import PrepConfig, prepare
from crux_program.data.decontaminate import Decontaminator
from sim.loaders import load_problems

FSM = "Prob107_fsm1s"


def _respaced_and_renamed(reference: str) -> str:
    names = {"RefModule": "moore_two", "state": "cur_st", "next": "nxt_st", "in": "din", "out": "dout",
             "A": "S_A", "B": "S_B", "reset": "srst"}
    code = re.sub(r"\b(" + "|".join(names) + r")\b", lambda m: names[m.group(1)], reference)
    return re.sub(r"[ \t]+", "  ", code).replace(";\n", " ;\n\n")


def _rows(problem, other):
    ports = "\n".join(line for line in problem.spec.splitlines() if line.strip().startswith("- "))
    counter = ("module cnt(input clk, input reset, input in, output out);\n  reg [3:0] c;\n"
               "  always @(posedge clk) if (reset) c <= 0; else if (in) c <= c + 1;\n"
               "  assign out = c[3];\nendmodule\n")
    return [
        # the test design under other names and spacing, behind a paraphrased spec: caught by its code
        {"instruction": "Write a two-state Moore machine that toggles on a low input.",
         "output": _respaced_and_renamed(problem.reference)},
        # the test spec copied (the module renamed) above unrelated code: caught by its spec
        {"instruction": problem.spec.replace("TopModule", "my_fsm"), "output": counter.replace("cnt", "my_fsm")},
        # the same port list and the benchmark's template sentence, another design: kept
        {"instruction": "I would like you to implement a module named TopModule with the following\ninterface. "
                        "All input and output ports are one bit unless otherwise\nspecified.\n\n" + ports +
                        "\n\nCount the cycles where `in` is high; `out` is bit 2 of the count.",
         "output": counter.replace("c[3]", "c[2]")},
        # a design unrelated to any test problem: kept
        {"instruction": "Build a 4-bit adder.", "output": other},
    ]


def test_planted_overlaps_are_caught_and_shared_port_lists_are_not(verilog_eval_dir, tmp_path):
    problems = load_problems(verilog_eval_dir)
    fsm = next(p for p in problems if p.task_id == FSM)
    adder = "module add4(input [3:0] a, input [3:0] b, output [4:0] s);\n  assign s = a + b;\nendmodule\n"
    rows = _rows(fsm, adder)
    found = Decontaminator(problems).scan([r["instruction"] for r in rows], [r["output"] for r in rows])
    code, spec, ports, unrelated = found
    assert code.dropped and code.reason == "code" and code.task_id == FSM and code.containment == 1.0
    assert spec.dropped and spec.reason == "spec" and spec.task_id == FSM
    assert ports is not None and not ports.dropped and ports.spec_raw > 0  # shares only what is boilerplate
    assert unrelated is None or not unrelated.dropped

    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prepared = prepare(PrepConfig(path=str(path), fields={"spec": "instruction", "reference": "output"},
                                  check="none", val_fraction=0.0), "verilog_eval", problems, tmp_path / "cache")
    assert prepared.report.dropped == {"decontaminated": 2}
    assert prepared.report.decontaminated == {"code": 1, "spec": 1}
    assert [t.provenance.split("#")[1].split("+")[0] for t in prepared.train] == ["3", "4"]
