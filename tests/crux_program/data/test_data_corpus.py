"""A user corpus with planted defects: the right examples are kept, every drop is counted by reason."""
from __future__ import annotations

import json

from crux_program.data.corpus import CorpusConfig, load_corpus
from crux_program.data.triplet import read_jsonl, write_jsonl

GOOD = "module inv(input a, output y);\n  assign y = ~a;\nendmodule\n"
GOOD2 = "module and2(input a, input b, output y);\n  assign y = a & b;\nendmodule\n"
BROKEN = "module bad(input a, output y);\n  assign y = ~a\nendmodule\n"  # missing semicolon
CRUX = {"interface": {"module_name": "and2", "ports": [
    {"name": "a", "direction": "input"}, {"name": "b", "direction": "input"}, {"name": "y", "direction": "output"}]},
    "core_functions": ["y = a AND b"], "key_considerations": []}


def _corpus(tmp_path):
    rows = [
        {"id": "ok1", "instruction": "Invert `a` into `y`.\n\nPorts:\n- input a: data\n- output y: inverted",
         "output": f"```verilog\n{GOOD}```"},
        {"id": "ok2", "instruction": "AND gate `and2` with inputs a, b and output y.", "output": GOOD2, "crux": CRUX},
        {"id": "broken", "instruction": "Invert a.", "output": BROKEN},
        {"id": "nospec", "output": GOOD},
        {"id": "nocode", "instruction": "Invert a.", "output": "   "},
        {"id": "ok1", "instruction": "Another spec with a reused id.", "output": GOOD2},
        {"id": "copy", "instruction": "Invert `a` into `y`.\n\nPorts:\n- input a: data\n- output y: inverted",
         "output": f"```verilog\n{GOOD}```"},
        {"id": "prose", "instruction": "Say hello.", "output": "Hello, I cannot write that."},
    ]
    path = tmp_path / "user.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n")
    return path


def test_planted_defects_are_dropped_with_reasons(tmp_path):
    result = load_corpus(CorpusConfig(path=str(_corpus(tmp_path)), id_field="id"))
    assert [t.task_id for t in result.kept] == ["ok1", "ok2"]
    assert dict(result.dropped) == {"compile_error": 1, "missing_spec": 1, "missing_code": 1, "duplicate_id": 1,
                                    "duplicate_content": 1, "no_module": 1, "bad_json": 1}
    assert result.lines == 9
    ok1, ok2 = result.kept
    assert ok1.verilog.startswith("module inv") and "```" not in ok1.verilog
    assert ok1.level == "easy" and ok2.level == "normal"
    assert ok2.crux is not None and ok2.crux.interface.module_name == "and2"
    assert ok1.provenance.endswith("#1") and ok1.problem().top == "inv"
    report = result.report()
    assert "kept 2" in report and "compile_error: 1" in report


def test_rename_top_and_degrade(tmp_path):
    cfg = CorpusConfig(path=str(_corpus(tmp_path)), id_field="id", rename_top="TopModule", level="normal")
    result = load_corpus(cfg)
    ok1, ok2 = result.kept
    assert ok1.top == "TopModule" and "module TopModule" in ok1.verilog
    assert ok2.crux.interface.module_name == "TopModule" and "`TopModule`" in ok2.spec
    assert ok1.level == "normal" and "Ports:" not in ok1.spec
    out = tmp_path / "kept.jsonl"
    write_jsonl(out, result.kept)
    assert [t.model_dump() for t in read_jsonl(out)] == [t.model_dump() for t in result.kept]


def test_rename_top_keeps_plain_words_and_carries_the_testbench(tmp_path):
    """A module named like a word (`counter`) is renamed where the spec names it as code, not in the prose;
    its testbench instantiates the new name; the testbench's own top is found, whatever it is called."""
    counter = ("module counter(input clk, input reset, output reg [3:0] q);\n"
               "  always @(posedge clk) q <= reset ? 4'd0 : q + 4'd1;\nendmodule\n")
    tb = ("module testbench;\n  reg clk = 0, reset = 1; wire [3:0] q;\n  counter dut(.clk(clk), .reset(reset), "
          ".q(q));\n  always #5 clk = ~clk;\n  initial begin #12 reset = 0; #100 $display(\"q=%d\", q); $finish; "
          "end\nendmodule\n")
    rows = [{"id": "c", "instruction": "Build a counter: module `counter` counts up each clock.",
             "output": counter, "testbench": tb},
            {"id": "d", "instruction": "A 4-bit counter that counts up.", "output": counter.replace("counter", "cnt")}]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    kept = load_corpus(CorpusConfig(path=str(path), id_field="id", rename_top="TopModule")).kept
    c, d = kept
    assert c.spec.startswith("Build a counter: module `TopModule`") and "counter dut" not in c.testbench
    assert "TopModule dut" in c.testbench and c.problem().tb_top == "testbench"
    assert d.spec.startswith("A 4-bit counter") and d.spec.rstrip().endswith("Name the module `TopModule`.")
