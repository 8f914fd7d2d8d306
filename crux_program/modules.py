"""The CRUX program as DSPy modules: `CruxOnePass` (spec -> CRUX + Verilog in one answer, the released
model's shape), `CruxPipeline` (spec -> CRUX, then spec + CRUX -> Verilog) and `DirectVerilog` (the baseline).

All are ordinary `dspy.Module`s: compose them in your own programs, `save`/`load` them, run them under
`dspy.Evaluate` and DSPy's optimisers. Each predictor may run on its own LM (`CruxPipeline(crux_lm=A,
code_lm=B)`), so CRUX written by model A can guide code written by model B (the paper's transfer setup).

Neither module ever raises because a model answered in the wrong format: an unreadable CRUX falls back to
the raw text (or a note) as the code stage's plan, and an unreadable code answer is passed on raw, where the
simulator's extractor still finds a module if there is one. LM and configuration errors still raise.
"""
from __future__ import annotations

import re
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from crux_program.adapter import CruxChatAdapter
from crux_program.crux import Crux, CruxParseError
from crux_program.one_pass_answer import read_one_pass
from crux_program.signatures import CruxToVerilog, SpecToCrux, SpecToCruxAndVerilog, SpecToVerilog

NO_CRUX = "(no CRUX plan is available: work from the specification alone)"
_FIELD_MARKER = re.compile(r"^\s*\[\[ ## \w+ ## \]\]\s*$", re.M)


def default_adapter() -> dspy.ChatAdapter:
    """The adapter the program uses unless the caller configured one: ChatAdapter with compact type notes
    (`crux_program.adapter`), and no second JSON call on a parse miss."""
    return CruxChatAdapter(use_json_adapter_fallback=False)


def _adapter_context():
    """Use the default adapter only where the caller has not chosen one with dspy.configure/context."""
    return dspy.context() if dspy.settings.adapter is not None else dspy.context(adapter=default_adapter())


def raw_answer(error: AdapterParseError) -> str:
    """The model's answer from a parse failure, with DSPy's field markers removed."""
    return _FIELD_MARKER.sub("", error.lm_response or "").strip()


def crux_of(out: dspy.Prediction) -> tuple[Crux | None, str]:
    """(the CRUX its three parsed fields make, "") or (None, why they do not make a valid one)."""
    try:
        return Crux(interface=out.interface, core_functions=out.core_functions,
                    key_considerations=out.key_considerations), ""
    except ValueError as err:  # the fields parsed but do not make a valid CRUX
        return None, f"CRUX is invalid: {err}"


class _PerPredictorLMs(dspy.Module):
    """Keeps LMs bound to predictors when a saved state that holds no LM is loaded."""

    def load_state(self, state, *, allow_unsafe_lm_state=False):
        bound = {name: p.lm for name, p in self.named_predictors()}
        super().load_state(state, allow_unsafe_lm_state=allow_unsafe_lm_state)
        for name, predictor in self.named_predictors():
            if predictor.lm is None:
                predictor.lm = bound.get(name)
        return self


class CruxOnePass(_PerPredictorLMs):
    """Spec -> CRUX and Verilog in ONE LM call: the paper's released shape (CRUX sections, then the code).

    Predictor: `spec_to_answer` (SpecToCruxAndVerilog: interface, core_functions, key_considerations,
    verilog). The answer is read in DSPy's field format (models trained here) or in the paper's markdown
    (`## Module Interface` ... `## Code Implementation`: the released checkpoint, other models), each part on its
    own (`crux_program.one_pass_answer`), so an unreadable CRUX never loses the code after it.
    forward(spec) -> dspy.Prediction(crux: Crux | None, crux_markdown: str | None, verilog: str, crux_error: str).
    """

    def __init__(self, lm: dspy.BaseLM | None = None):
        super().__init__()
        self.spec_to_answer = dspy.Predict(SpecToCruxAndVerilog)
        self.spec_to_answer.lm = lm

    def forward(self, spec: str, **_: Any) -> dspy.Prediction:
        with _adapter_context():
            try:
                out = self.spec_to_answer(spec=spec)
            except AdapterParseError as err:  # some part did not parse: read each part on its own
                answer = read_one_pass(err.lm_response or "")
                crux, verilog, error = answer.crux, answer.verilog, answer.crux_error
            else:
                verilog = out.verilog
                crux, error = crux_of(out)
        return dspy.Prediction(crux=crux, crux_markdown=crux.to_markdown() if crux is not None else None,
                               verilog=verilog, crux_error=error)


class CruxPipeline(_PerPredictorLMs):
    """Spec -> CRUX -> Verilog.

    Predictors: `spec_to_crux` (SpecToCrux) and `crux_to_verilog` (CruxToVerilog).
    forward(spec) -> dspy.Prediction(crux: Crux | None, crux_markdown: str, verilog: str, crux_error: str).
    """

    def __init__(self, crux_lm: dspy.BaseLM | None = None, code_lm: dspy.BaseLM | None = None):
        super().__init__()
        self.spec_to_crux = dspy.Predict(SpecToCrux)
        self.crux_to_verilog = dspy.Predict(CruxToVerilog)
        self.spec_to_crux.lm = crux_lm  # None: the LM from dspy.configure / dspy.context
        self.crux_to_verilog.lm = code_lm

    def write_crux(self, spec: str) -> tuple[Crux | None, str, str]:
        """(CRUX or None, the plan text for the code stage, the parse error or "")."""
        try:
            out = self.spec_to_crux(spec=spec)
        except AdapterParseError as err:
            raw = raw_answer(err)
            try:  # a model that wrote CRUX markdown instead of the fields still gave a usable plan
                crux = Crux.from_markdown(raw)
                return crux, crux.to_markdown(), ""
            except CruxParseError:
                return None, raw or NO_CRUX, f"CRUX did not parse: {str(err).splitlines()[0]}"
        crux, error = crux_of(out)
        return (crux, crux.to_markdown(), "") if crux is not None else (None, NO_CRUX, error)

    def write_code(self, spec: str, crux_markdown: str) -> str:
        """The code stage; an answer without DSPy's field markers is passed on raw."""
        try:
            return self.crux_to_verilog(spec=spec, crux=crux_markdown).verilog
        except AdapterParseError as err:
            return raw_answer(err)

    def forward(self, spec: str, **_: Any) -> dspy.Prediction:
        with _adapter_context():
            crux, crux_markdown, crux_error = self.write_crux(spec)
            verilog = self.write_code(spec, crux_markdown)
        return dspy.Prediction(crux=crux, crux_markdown=crux_markdown, verilog=verilog, crux_error=crux_error)


class DirectVerilog(_PerPredictorLMs):
    """Spec -> Verilog in one step (the baseline). Predictor: `spec_to_verilog` (SpecToVerilog)."""

    def __init__(self, lm: dspy.BaseLM | None = None):
        super().__init__()
        self.spec_to_verilog = dspy.Predict(SpecToVerilog)
        self.spec_to_verilog.lm = lm

    def forward(self, spec: str, **_: Any) -> dspy.Prediction:
        with _adapter_context():
            try:
                verilog = self.spec_to_verilog(spec=spec).verilog
            except AdapterParseError as err:
                verilog = raw_answer(err)
        return dspy.Prediction(verilog=verilog)
