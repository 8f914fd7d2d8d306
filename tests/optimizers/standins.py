"""Small programs, data and a scripted LM for the optimizer tests.

The real CruxPipeline / DirectVerilog / SimMetric live in other packages; when they are importable the tests
use them (see `pipeline_classes`), otherwise these stand-ins with the same field names and predictor names.
"""
from __future__ import annotations

import dspy
from dspy.utils import DummyLM

from crux_program.crux import Crux, ModuleInterface, Port


def pipeline_classes():
    """(CruxPipeline, DirectVerilog): the real modules when they exist, else the stand-ins below."""
    try:
        from crux_program.modules import CruxPipeline as Real, DirectVerilog as RealDirect
        return Real, RealDirect
    except ImportError:
        return CruxPipeline, DirectVerilog


class SpecToCrux(dspy.Signature):
    """Read the hardware specification and write its CRUX."""

    spec: str = dspy.InputField(desc="natural-language specification")
    crux: Crux = dspy.OutputField(desc="module interface, core functions, key considerations")


class CruxToVerilog(dspy.Signature):
    """Implement the module described by the specification and its CRUX in Verilog."""

    spec: str = dspy.InputField()
    crux: Crux = dspy.InputField()
    verilog: str = dspy.OutputField(desc="one complete Verilog module")


class SpecToVerilog(dspy.Signature):
    """Implement the specification in Verilog."""

    spec: str = dspy.InputField()
    verilog: str = dspy.OutputField()


class CruxPipeline(dspy.Module):
    def __init__(self):
        super().__init__()
        self.spec_to_crux = dspy.Predict(SpecToCrux)
        self.crux_to_verilog = dspy.Predict(CruxToVerilog)

    def forward(self, spec: str) -> dspy.Prediction:
        crux = self.spec_to_crux(spec=spec).crux
        verilog = self.crux_to_verilog(spec=spec, crux=crux).verilog
        return dspy.Prediction(crux=crux, verilog=verilog)


class DirectVerilog(dspy.Module):
    def __init__(self):
        super().__init__()
        self.spec_to_verilog = dspy.Predict(SpecToVerilog)

    def forward(self, spec: str) -> dspy.Prediction:
        return dspy.Prediction(verilog=self.spec_to_verilog(spec=spec).verilog)


def _gate(name: str, op: str) -> tuple[str, Crux, str]:
    spec = f"Task {name}: build module {name} with inputs a, b and output y = a {op} b."
    crux = Crux(interface=ModuleInterface(module_name=name, ports=[
        Port(name="a", direction="input"), Port(name="b", direction="input"),
        Port(name="y", direction="output")]),
        core_functions=[f"y = a {op} b"], key_considerations=["purely combinational"])
    verilog = f"module {name}(input a, input b, output y);\n  assign y = a {op} b;\nendmodule"
    return spec, crux, verilog


def gate_examples() -> list[dspy.Example]:
    """Four tiny gate tasks as dspy.Examples with spec, crux, verilog (no Problem: the stand-in metric)."""
    out = []
    for name, op in [("and_gate", "&"), ("or_gate", "|"), ("xor_gate", "^"), ("nand_gate", "~&")]:
        spec, crux, verilog = _gate(name, op)
        out.append(dspy.Example(task_id=name, spec=spec, crux=crux, verilog=verilog).with_inputs("spec"))
    return out


def scripted_lm(examples: list[dspy.Example], wrong: set[str] = frozenset(),
                adapter: dspy.Adapter | None = None) -> DummyLM:
    """Answers each task with its gold CRUX and Verilog, except tasks in `wrong` (wrong operator)."""
    answers = {}
    for ex in examples:
        verilog = ex.verilog.replace("a ", "b ") if ex.task_id in wrong else ex.verilog
        answers[f"Task {ex.task_id}:"] = {"crux": ex.crux, "verilog": verilog}
    return DummyLM(answers, adapter=adapter)


def exact_metric(example, pred, trace=None, pred_name=None, pred_trace=None):
    """Stand-in for sim.metric.SimMetric: 1 if the Verilog matches the gold text, with words as feedback."""
    ok = (pred.verilog or "").strip() == example.verilog.strip()
    return dspy.Prediction(score=float(ok), feedback="pass" if ok else "mismatch: output y differs at cycle 0")


class _HFEngine:
    """Greedy generation with a local HF model, in the shape of DSPy's DummyEngine (stand-in for LocalLM)."""

    def __init__(self, owner: "HFGreedyLM"):
        from dspy.clients.engines.dummy_engine import DummyEngine

        self.owner = owner
        self._dummy = DummyEngine(owner)
        self._dummy._complete_messages = self._complete_messages

    def __getattr__(self, name):
        return getattr(self._dummy, name)

    def _complete_messages(self, messages):
        import torch
        from dspy.lm15 import Message, Response, TextPart, Usage

        tok, model = self.owner.tokenizer, self.owner.model
        ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                      return_dict=True)["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=self.owner.max_new_tokens, do_sample=False)
        text = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        return Response(id=None, model="hf", message=Message.assistant([TextPart(text)]), finish_reason="stop",
                        usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0))


class HFGreedyLM(DummyLM):
    """Stand-in for crux_program.lm.LocalLM: `model_path`, `with_model(path)`, greedy local generation."""

    def __init__(self, model_path, max_new_tokens: int = 200):
        from dspy.clients.engines.dummy_engine import AsyncDummyEngine
        from transformers import AutoModelForCausalLM, AutoTokenizer

        super().__init__([])
        self.model_path = str(model_path)
        self.max_new_tokens = max_new_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.model = AutoModelForCausalLM.from_pretrained(model_path).eval()
        self._engine_spec = _HFEngine(self)
        self._async_engine_spec = AsyncDummyEngine(self._engine_spec)

    def with_model(self, path) -> "HFGreedyLM":
        return HFGreedyLM(path, self.max_new_tokens)


def local_lm_class():
    """The real LocalLM factory when it exists, else the HFGreedyLM stand-in: callable(model_path) -> LM."""
    try:
        from crux_program.lm.local import LocalLM
    except ImportError:
        return HFGreedyLM
    return lambda path: LocalLM(model_path=str(path), max_tokens=200)


def tiny_model(out_dir, examples: list[dspy.Example]):
    """A tiny model (tokenizer trained on the rendered prompts) to fine-tune in seconds."""
    from crux_program.lm.tiny import build_tiny_model
    from optimizers.render import render_examples

    texts = [m["content"] for r in render_examples(CruxPipeline(), examples) + render_examples(DirectVerilog(), examples)
             for m in r.prompt + r.completion]
    return build_tiny_model(out_dir, texts=texts, vocab_size=700, hidden_size=64, num_layers=2, num_heads=4,
                            max_position=2048)
