"""Render training examples exactly as the program's DSPy adapter renders each predictor's call.

Weight-tuning compilers (sft, rft, grpo) train the program's own model on the very messages it receives at
inference: the adapter's system message (field descriptions, structure, instructions), the predictor's demos,
the user turn, and, as the target, the assistant turn the adapter expects to parse (`[[ ## crux ## ]] ...
[[ ## completed ## ]]` for the ChatAdapter). The rendering goes through the adapter's own
`format_finetune_data` (ChatAdapter, JSONAdapter) or `format` + `format_assistant_message_content`, so a change
of adapter or signature changes training and inference together: no prompt drift.

For CruxPipeline the rows are spec -> CRUX (`spec_to_crux`: interface, core_functions, key_considerations) and
spec + CRUX markdown -> Verilog (`crux_to_verilog`), fed with the gold CRUX as teacher forcing; for DirectVerilog
spec -> Verilog. `field_value` maps a gold example onto each signature's fields.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import dspy

from crux_program.modules import default_adapter

Message = dict[str, str]


@dataclass(frozen=True)
class RenderedExample:
    """One predictor call as chat messages: `prompt` (what the LM receives) and `completion` (its answer)."""

    predictor: str
    task_id: str
    prompt: list[Message]
    completion: list[Message]

    def to_row(self) -> dict:
        """A TRL conversational prompt-completion row (loss is taken on the completion only)."""
        return {"prompt": self.prompt, "completion": self.completion}


def program_adapter(adapter: dspy.Adapter | None = None) -> dspy.Adapter:
    """The adapter the program runs with: an explicit one, else dspy.settings.adapter, else the program's default
    (`crux_program.modules.default_adapter`, the one its modules use when none is configured)."""
    if adapter is not None:
        return adapter
    return dspy.settings.adapter or default_adapter()


def render_call(predictor: dspy.Predict, inputs: dict, outputs: dict,
                adapter: dspy.Adapter | None = None) -> tuple[list[Message], list[Message]]:
    """(prompt messages, [assistant message]) for one call of `predictor` with these inputs and outputs.

    Uses the predictor's current signature and demos, as `Predict.forward` does at inference.
    """
    adapter = program_adapter(adapter)
    signature, demos = predictor.signature, list(predictor.demos)
    try:
        messages = adapter.format_finetune_data(signature=signature, demos=demos, inputs=inputs,
                                                outputs=outputs)["messages"]
        return messages[:-1], messages[-1:]
    except (AttributeError, NotImplementedError):
        pass  # JSONAdapter 3.4 has no format_finetune_data: same two calls it would make
    prompt = adapter.format(signature, demos, inputs)
    answer = adapter.format_assistant_message_content(signature, outputs)
    return prompt, [{"role": "assistant", "content": answer}]


def _crux_of(example: dspy.Example):
    from crux_program.crux import Crux  # the CRUX type; examples hold a Crux or its JSON dict

    crux = example.get("crux", None)
    if isinstance(crux, dict):
        crux = Crux.model_validate(crux)
    return crux if isinstance(crux, Crux) else None


def field_value(example: dspy.Example, name: str, annotation: object, predictor_name: str = "?"):
    """The value a predictor's field takes for a gold example, as the program would pass it at inference.

    Examples carry `spec`, `crux` (a Crux) and `verilog`. The program's signatures split the CRUX into typed
    output fields (`interface`, `core_functions`, `key_considerations`) and feed it to the code stage as
    markdown (`crux: str` = `Crux.to_markdown()`, exactly what CruxPipeline passes on), so both are derived here.
    """
    crux = _crux_of(example)
    if name == "crux" and crux is not None:
        return crux.to_markdown() if annotation is str else crux
    value = example.get(name, None)
    if value is None and crux is not None and name in type(crux).model_fields:
        value = getattr(crux, name)
    if value is None:
        raise KeyError(f"Cannot render predictor '{predictor_name}' for example "
                       f"{example.get('task_id', '?')}: it has no '{name}'. SFT needs examples with every "
                       "field of the predictor's signature (Triplet.to_example() gives spec, crux, verilog).")
    return value


def _field_values(example: dspy.Example, fields: dict, predictor_name: str) -> dict:
    return {name: field_value(example, name, info.annotation, predictor_name) for name, info in fields.items()}


def selected_predictors(program: dspy.Module, names: Sequence[str] = ("all",)) -> list[tuple[str, dspy.Predict]]:
    """The (name, predictor) pairs to train; "all" means every predictor of the program."""
    named = list(program.named_predictors())
    if "all" in names:
        return named
    by_name = dict(named)
    missing = [n for n in names if n not in by_name]
    if missing:
        raise KeyError(f"Unknown predictors {missing}; this program has {sorted(by_name)}.")
    return [(n, by_name[n]) for n in names]


def render_examples(program: dspy.Module, examples: Sequence[dspy.Example], predictors: Sequence[str] = ("all",),
                    adapter: dspy.Adapter | None = None) -> list[RenderedExample]:
    """Every (example, predictor) pair rendered as the program's adapter renders it at inference."""
    rows = []
    for name, predictor in selected_predictors(program, predictors):
        signature = predictor.signature
        for example in examples:
            inputs = _field_values(example, signature.input_fields, name)
            outputs = _field_values(example, signature.output_fields, name)
            prompt, completion = render_call(predictor, inputs, outputs, adapter)
            rows.append(RenderedExample(name, str(example.get("task_id", "")), prompt, completion))
    return rows
