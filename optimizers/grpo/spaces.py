"""The two GRPO spaces and how a completion in each is read back.

CRUX space: spec -> CRUX (the program's `spec_to_crux` predictor). Code space: spec + CRUX -> Verilog
(`crux_to_verilog`, or `spec_to_verilog` for a direct program). A one-pass program (`spec_to_answer`:
CruxOnePass) writes both in one completion: its rows are "answer" rows, and the two spaces are the two parts
of the same completion, each rewarded (rewards.py). Completions are parsed with the program's own adapter (or
the one-pass reader, which parses each field as the adapter does), so a reward never credits text the program
itself could not use. A completion's text is read by `sim.adapters.completions.completion_text`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import dspy

from crux_program.crux import Crux, CruxParseError, ModuleInterface

Space = Literal["crux", "code"]
SPACES: tuple[Space, ...] = ("crux", "code")
Row = Literal["crux", "code", "answer"]  # the kind of a prompt row: one space, or a one-pass answer (both)
CRUX_PREDICTOR = "spec_to_crux"
CODE_PREDICTORS = ("crux_to_verilog", "spec_to_verilog")
ANSWER_PREDICTOR = "spec_to_answer"


@dataclass(frozen=True)
class ProgramPredictors:
    """The predictors GRPO trains, found by name on the program: `answer` for a one-pass program (CRUX and
    code in one completion), else `crux` (if any) and `code`."""

    crux: dspy.Predict | None
    code: dspy.Predict | None
    answer: dspy.Predict | None = None

    @classmethod
    def of(cls, program: dspy.Module) -> "ProgramPredictors":
        named = dict(program.named_predictors())
        if ANSWER_PREDICTOR in named:
            return cls(crux=None, code=None, answer=named[ANSWER_PREDICTOR])
        code = next((named[n] for n in CODE_PREDICTORS if n in named), None)
        if code is None:
            raise ValueError(f"GRPO needs a predictor named {ANSWER_PREDICTOR} or one of {CODE_PREDICTORS}; this "
                             f"program has {sorted(named)}. Use CruxOnePass, CruxPipeline or DirectVerilog from "
                             "crux_program.modules.")
        return cls(crux=named.get(CRUX_PREDICTOR), code=code)

    def code_inputs(self, spec: str, crux: Crux | str | None) -> dict:
        """Inputs of the code predictor: the CRUX goes in as markdown when the field is a string."""
        fields = self.code.signature.input_fields
        inputs = {"spec": spec}
        if "crux" in fields:
            if crux is None:
                raise ValueError("The code predictor takes a CRUX but the example has none: code-space GRPO "
                                 "needs examples with a gold CRUX (Triplet.to_example()).")
            wants_text = fields["crux"].annotation is str
            inputs["crux"] = crux.to_markdown() if wants_text and isinstance(crux, Crux) else crux
        return inputs


def crux_from_fields(values: dict) -> Crux:
    """A Crux from the parsed outputs of a spec -> CRUX predictor (one `crux` field, or its three parts)."""
    if "crux" in values:
        value = values["crux"]
        return value if isinstance(value, Crux) else Crux.from_markdown(str(value))
    interface = values.get("interface")
    if not isinstance(interface, ModuleInterface):
        interface = ModuleInterface.model_validate(interface)
    return Crux(interface=interface, core_functions=values.get("core_functions") or [],
                key_considerations=values.get("key_considerations") or [])


def parse_crux(text: str, predictor: dspy.Predict, adapter: dspy.Adapter) -> Crux | None:
    """The CRUX in a completion as the adapter reads it (the released model's markdown also counts); None if
    neither reading works."""
    try:
        return crux_from_fields(adapter.parse(predictor.signature, text))
    except Exception:  # the adapter raises AdapterParseError, pydantic ValidationError, ValueError...
        pass
    try:
        return Crux.from_markdown(text)
    except (CruxParseError, ValueError):
        return None


def crux_format_score(crux: Crux | None) -> float:
    """Fraction of the three CRUX parts (ports, core functions, key considerations) that are present."""
    if crux is None:
        return 0.0
    return 1.0 - len(crux.missing_parts()) / 3.0
