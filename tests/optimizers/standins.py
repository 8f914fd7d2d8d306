"""Small data, a scripted LM, a stand-in metric and a tiny model for the optimizer tests."""
from __future__ import annotations

import dspy
from dspy.utils import DummyLM

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.modules import CruxPipeline, DirectVerilog


def pipeline_classes():
    """(CruxPipeline, DirectVerilog): the program classes under test."""
    return CruxPipeline, DirectVerilog


def _gate(name: str, op: str) -> tuple[str, Crux, str]:
    spec = f"Task {name}: build module {name} with inputs a, b and output y = a {op} b."
    crux = Crux(interface=ModuleInterface(module_name=name, ports=[
        Port(name="a", direction="input"), Port(name="b", direction="input"),
        Port(name="y", direction="output")]),
        core_functions=[f"y = a {op} b"], key_considerations=["purely combinational"])
    verilog = f"module {name}(input a, input b, output y);\n  assign y = a {op} b;\nendmodule"
    return spec, crux, verilog


GATES = [("and_gate", "&"), ("or_gate", "|"), ("xor_gate", "^"), ("xnor_gate", "~^"), ("andn_gate", "& ~"),
         ("orn_gate", "| ~")]


def gate_examples(n: int = 4) -> list[dspy.Example]:
    """Tiny gate tasks as dspy.Examples with spec, crux (Crux), verilog; no Problem (the stand-in metric)."""
    out = []
    for name, op in GATES[:n]:
        spec, crux, verilog = _gate(name, op)
        out.append(dspy.Example(task_id=name, spec=spec, crux=crux, verilog=verilog).with_inputs("spec"))
    return out


def scripted_lm(examples: list[dspy.Example], wrong: frozenset[str] = frozenset(),
                adapter: dspy.Adapter | None = None) -> DummyLM:
    """Answers each task (found by its 'Task <id>:' tag in the last message) with its gold CRUX fields and
    Verilog; tasks in `wrong` get Verilog with the operands swapped for a constant (a failing answer)."""
    answers = {}
    for ex in examples:
        verilog = ex.verilog.replace("a ", "1'b0 ") if ex.task_id in wrong else ex.verilog
        answers[f"Task {ex.task_id}:"] = {"interface": ex.crux.interface, "core_functions": ex.crux.core_functions,
                                         "key_considerations": ex.crux.key_considerations, "verilog": verilog}
    return DummyLM(answers, adapter=adapter)


def exact_metric(example, pred, trace=None, pred_name=None, pred_trace=None):
    """Stand-in for sim.adapters.metric.SimMetric when no Problem is attached: 1 if the Verilog is the gold text."""
    ok = (pred.verilog or "").strip() == example.verilog.strip()
    return dspy.Prediction(score=float(ok), feedback="pass" if ok else "mismatch: output y differs at cycle 0")


def local_lm_class(max_tokens: int = 160):
    """callable(model_path) -> LocalLM on CPU, greedy, short answers."""
    from crux_program.lm.local import LocalLM

    return lambda path: LocalLM(path, device="cpu", max_tokens=max_tokens, batch_window_ms=0.0)


def tiny_model(out_dir, examples: list[dspy.Example]):
    """A tiny model (tokenizer trained on the rendered prompts) to fine-tune in seconds."""
    from crux_program.lm.tiny import build_tiny_model
    from optimizers.render import render_examples

    rows = render_examples(CruxPipeline(), examples) + render_examples(DirectVerilog(), examples)
    texts = [m["content"] for r in rows for m in r.prompt + r.completion]
    return build_tiny_model(out_dir, texts=texts, vocab_size=700, hidden_size=64, num_layers=2, num_heads=4,
                            max_position=2048)
