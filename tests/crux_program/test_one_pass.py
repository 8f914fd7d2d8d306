"""CruxOnePass: one LM call for CRUX and code, read in DSPy's field format or the paper's markdown, part by part;
trained on rows rendered exactly as it is prompted; saved, loaded and composed like any DSPy module."""
from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.modules import CruxOnePass
from crux_program.one_pass_answer import field_sections, read_one_pass
from optimizers.render import render_examples

CRUX = Crux(interface=ModuleInterface(module_name="TopModule", ports=[Port(name="a", direction="input"),
                                                                     Port(name="y", direction="output")]),
            core_functions=["y is the inverse of a"], key_considerations=["purely combinational"])
CODE = "module TopModule(input a, output y);\n  assign y = ~a;\nendmodule"
ANSWER = {"interface": CRUX.interface, "core_functions": CRUX.core_functions,
          "key_considerations": CRUX.key_considerations, "verilog": CODE}
PAPER_ANSWER = f"""## Module Interface
Module: TopModule
Ports:
- input a (1): the input
- output y (1): the inverse

## Core Functions
- y is the inverse of a

## Key Considerations
- purely combinational

## Code Implementation
```verilog
{CODE}
```
"""


@pytest.fixture(autouse=True)
def _no_global_lm():
    with dspy.context(lm=None, adapter=None):
        yield


def test_one_call_gives_crux_and_code() -> None:
    lm = DummyLM([ANSWER])
    with dspy.context(lm=lm):
        pred = CruxOnePass()(spec="Invert a.")
    assert len(lm.history) == 1
    assert pred.crux == CRUX and pred.verilog == CODE and pred.crux_error == ""
    assert pred.crux_markdown == CRUX.to_markdown()


def test_paper_markdown_answer_is_read() -> None:
    lm = DummyLM([{"notes": PAPER_ANSWER}])  # no DSPy output fields at all: the released model's layout
    with dspy.context(lm=lm):
        pred = CruxOnePass()(spec="Invert a.")
    assert pred.crux is not None and pred.crux.interface.module_name == "TopModule"
    assert [p.name for p in pred.crux.interface.ports] == ["a", "y"]
    assert pred.verilog.strip() == CODE


def test_bad_interface_keeps_the_code() -> None:
    answer = ("[[ ## interface ## ]]\n{not json\n\n[[ ## core_functions ## ]]\n[\"x\"]\n\n"
              "[[ ## key_considerations ## ]]\n[\"y\"]\n\n[[ ## verilog ## ]]\n" + CODE + "\n\n[[ ## completed ## ]]")
    read = read_one_pass(answer)
    assert read.crux is None and "CRUX did not parse" in read.crux_error
    assert read.verilog == CODE and read.layout == "fields" and read.crux_format() == 0.0


def test_missing_code_field_gives_the_whole_answer_to_the_judge() -> None:
    read = read_one_pass("[[ ## interface ## ]]\n{}\nmodule m; endmodule")
    assert read.verilog.endswith("endmodule") and read.crux is None


def test_repeated_field_keeps_the_first() -> None:
    assert field_sections("[[ ## verilog ## ]]\nA\n[[ ## verilog ## ]]\nB") == {"verilog": "A"}


def test_garbage_is_raw_and_never_raises() -> None:
    read = read_one_pass("lorem ipsum")
    assert read.layout == "raw" and read.crux is None and read.verilog == "lorem ipsum"
    assert read_one_pass("").verilog == ""


def test_sft_rows_render_byte_identically_to_inference() -> None:
    example = dspy.Example(task_id="t", spec="Invert a.", crux=CRUX, verilog=CODE).with_inputs("spec")
    (row,) = render_examples(CruxOnePass(), [example])
    lm = DummyLM([ANSWER])
    with dspy.context(lm=lm):  # no adapter configured: the program's own, which SFT renders with too
        CruxOnePass()(spec="Invert a.")
    assert row.predictor == "spec_to_answer"
    assert row.prompt == lm.history[-1]["messages"]  # what the model is trained on is what it is asked
    read = read_one_pass(row.completion[0]["content"])  # and the target reads back to the gold values
    assert read.crux == CRUX and read.verilog.strip() == CODE and read.layout == "fields"


def test_save_load_and_composition(tmp_path) -> None:
    program = CruxOnePass()
    program.spec_to_answer.demos = [dspy.Example(spec="s", **ANSWER)]
    path = tmp_path / "program.json"
    program.save(str(path))
    loaded = CruxOnePass()
    loaded.load(str(path))
    assert len(loaded.spec_to_answer.demos) == 1

    class TwoDesigns(dspy.Module):  # CruxOnePass inside another DSPy program
        def __init__(self):
            super().__init__()
            self.writer = CruxOnePass()

        def forward(self, spec_a: str, spec_b: str):
            return [self.writer(spec=spec_a).verilog, self.writer(spec=spec_b).verilog]

    outer = TwoDesigns()
    assert [name for name, _ in outer.named_predictors()] == ["writer.spec_to_answer"]
    with dspy.context(lm=DummyLM([ANSWER, ANSWER])):
        assert outer(spec_a="a", spec_b="b") == [CODE, CODE]
