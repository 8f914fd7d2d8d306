"""CruxPipeline / DirectVerilog as DSPy modules: answers, fallbacks, two LMs, save/load, Evaluate, optimisers."""
from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.modules import NO_CRUX, CruxPipeline, DirectVerilog, default_adapter

CRUX = Crux(interface=ModuleInterface(module_name="TopModule", ports=[Port(name="a", direction="input"),
                                                                     Port(name="y", direction="output")]),
            core_functions=["y is the inverse of a"], key_considerations=["purely combinational"])
CODE = "module TopModule(input a, output y);\n  assign y = ~a;\nendmodule"
CRUX_ANSWER = {"interface": CRUX.interface, "core_functions": CRUX.core_functions,
               "key_considerations": CRUX.key_considerations}


@pytest.fixture(autouse=True)
def _no_global_lm():
    with dspy.context(lm=None, adapter=None):
        yield


def test_pipeline_writes_crux_then_code() -> None:
    lm = DummyLM([CRUX_ANSWER, {"verilog": CODE}])
    with dspy.context(lm=lm):
        pred = CruxPipeline()(spec="Invert a.")
    assert pred.crux == CRUX and pred.crux_markdown == CRUX.to_markdown() and pred.verilog == CODE
    assert pred.crux_error == ""
    code_prompt = lm.history[-1]["messages"][-1]["content"]
    assert CRUX.to_markdown() in code_prompt  # the code stage reads the rendered CRUX


def test_crux_and_code_can_use_different_lms() -> None:
    crux_lm, code_lm = DummyLM([CRUX_ANSWER]), DummyLM([{"verilog": CODE}])
    program = CruxPipeline(crux_lm=crux_lm, code_lm=code_lm)
    with dspy.context(lm=DummyLM([])):  # the global LM must not be asked anything
        pred = program(spec="Invert a.")
    assert pred.verilog == CODE and pred.crux == CRUX
    assert len(crux_lm.history) == 1 and "[[ ## spec ## ]]" in crux_lm.history[0]["messages"][-1]["content"]
    assert len(code_lm.history) == 1 and "[[ ## crux ## ]]" in code_lm.history[0]["messages"][-1]["content"]


def test_unparsable_crux_falls_back_to_raw_text() -> None:
    lm = DummyLM([{"notes": "first compute y from a"}, {"verilog": CODE}])
    with dspy.context(lm=lm):
        pred = CruxPipeline()(spec="Invert a.")
    assert pred.crux is None and pred.crux_markdown == "first compute y from a"
    assert "CRUX did not parse" in pred.crux_error and pred.verilog == CODE
    assert len(lm.history) == 2  # no JSON-adapter retry: the default adapter has no fallback


def test_crux_written_as_markdown_is_still_read() -> None:
    lm = DummyLM([{"plan": CRUX.to_markdown()}, {"verilog": CODE}])
    with dspy.context(lm=lm):
        pred = CruxPipeline()(spec="Invert a.")
    assert pred.crux == CRUX and pred.crux_error == ""


def test_empty_crux_answer_and_unmarked_code_never_crash() -> None:
    lm = DummyLM([{"nothing": ""}, {"code": CODE}])
    with dspy.context(lm=lm):
        pred = CruxPipeline()(spec="Invert a.")
    assert pred.crux_markdown == NO_CRUX and pred.verilog == CODE


def test_direct_verilog() -> None:
    with dspy.context(lm=DummyLM([{"verilog": CODE}, {"other": CODE}])):
        program = DirectVerilog()
        assert program(spec="Invert a.").verilog == CODE
        assert program(spec="Invert a.").verilog == CODE  # unmarked answer passed on raw


def test_caller_adapter_is_respected() -> None:
    lm = DummyLM([{"verilog": CODE}], adapter=dspy.XMLAdapter())
    with dspy.context(lm=lm, adapter=dspy.XMLAdapter()):
        assert DirectVerilog()(spec="Invert a.").verilog == CODE
    assert "<verilog>" in lm.history[0]["messages"][0]["content"]
    assert default_adapter().use_json_adapter_fallback is False


class _TwoDesigns(dspy.Module):
    """A user program that composes the pipeline with its own step."""

    def __init__(self):
        super().__init__()
        self.pipeline = CruxPipeline()
        self.summarise = dspy.Predict("verilog -> summary")

    def forward(self, spec):
        pred = self.pipeline(spec=spec)
        return dspy.Prediction(verilog=pred.verilog, summary=self.summarise(verilog=pred.verilog).summary)


def test_composes_inside_another_program() -> None:
    program = _TwoDesigns()
    assert [name for name, _ in program.named_predictors()] == [
        "pipeline.spec_to_crux", "pipeline.crux_to_verilog", "summarise"]
    with dspy.context(lm=DummyLM([CRUX_ANSWER, {"verilog": CODE}, {"summary": "an inverter"}])):
        assert program(spec="Invert a.").summary == "an inverter"


def _metric(example, pred, trace=None):
    return float("assign y = ~a" in pred.verilog)


def test_evaluate_bootstrap_save_and_load(tmp_path) -> None:
    examples = [dspy.Example(spec=f"Invert a ({i}).").with_inputs("spec") for i in range(3)]
    lm = DummyLM([CRUX_ANSWER, {"verilog": CODE}] * 10)
    with dspy.context(lm=lm):
        result = dspy.Evaluate(devset=examples, metric=_metric, num_threads=1)(CruxPipeline())
        assert result.score == 100.0
        compiled = dspy.BootstrapFewShot(metric=_metric, max_bootstrapped_demos=1, max_labeled_demos=0).compile(
            CruxPipeline(), trainset=examples)
    assert [len(p.demos) for p in compiled.predictors()] == [1, 1]
    path = tmp_path / "program.json"
    compiled.save(path)
    code_lm = DummyLM([{"verilog": CODE}])
    loaded = CruxPipeline(code_lm=code_lm)
    loaded.load(path)
    assert loaded.crux_to_verilog.lm is code_lm  # a per-predictor LM survives loading a state without one
    assert ModuleInterface.model_validate(loaded.spec_to_crux.demos[0]["interface"]) == CRUX.interface
    adapter, inputs = default_adapter(), {"spec": "Invert b."}
    for before, after in zip(compiled.predictors(), loaded.predictors()):  # saved demos render identically
        assert adapter.format(before.signature, before.demos, inputs) == adapter.format(after.signature, after.demos, inputs)
    with dspy.context(lm=DummyLM([CRUX_ANSWER])):
        assert loaded(spec="Invert a.").verilog == CODE
    assert "[[ ## crux ## ]]" in code_lm.history[0]["messages"][1]["content"]  # the demo is in the prompt


def test_configuration_errors_still_raise() -> None:
    with pytest.raises(ValueError, match="No LM is loaded"):
        CruxPipeline()(spec="Invert a.")


def test_adapter_reads_what_small_models_write() -> None:
    from crux_program.signatures import SpecToCrux

    answer = ('[[ ## interface ## ]]\n{"module_name": "TopModule", "ports": [{"name": "a", "direction": "in", '
              '"width": 8}, {"name": "y", "direction": "Output"}]}\n\n[[ ## core_functions ## ]]\n["y = ~a"]\n\n'
              '[[ ## key_considerations ## ]]\n["combinational"]\n\n[[ ## completed ## ]]')
    fields = default_adapter().parse(SpecToCrux, answer)
    assert [(p.name, p.direction, p.width) for p in fields["interface"].ports] == [("a", "input", "8"), ("y", "output", "1")]
    rendered = default_adapter().format_assistant_message_content(SpecToCrux, {**CRUX_ANSWER})
    assert default_adapter().parse(SpecToCrux, rendered) == CRUX_ANSWER  # what SFT teaches parses back
