"""A repair loop: generate, simulate, and feed the simulator's words back for another attempt.

`RepairLoop(program, verifier)` wraps any program whose prediction has `.verilog` (CruxPipeline,
DirectVerilog, your own). It needs the problem to simulate against, so it is called as
`loop(spec=..., problem=...)`; build examples with `.with_inputs("spec", "problem")` to evaluate it.

    loop = RepairLoop(CruxPipeline(), Verifier(), max_attempts=3)
    pred = loop(spec=problem.spec, problem=problem)   # pred.verilog, pred.attempts, pred.passed
"""
from __future__ import annotations

from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from crux_program.modules import _adapter_context, raw_answer
from crux_program.signatures import RepairVerilog
from sim.core import Verifier
from sim.problem import Problem
from sim.result import SimResult


def repair_feedback(result: SimResult) -> str:
    """The simulator's verdict in words a model can act on."""
    return f"status: {result.status.value}\n{result.detail() or 'no further detail from the simulator'}"


class RepairLoop(dspy.Module):
    """Run `program`, check its Verilog with `verifier`, and repair up to `max_attempts - 1` times.

    Predictor: `repair` (RepairVerilog: spec, previous_verilog, feedback -> verilog).
    forward(spec, problem) -> dspy.Prediction(verilog, passed, attempts, history: list[SimResult], and the
    inner program's other fields such as `crux`).
    """

    def __init__(self, program: dspy.Module, verifier: Verifier, max_attempts: int = 3,
                 repair_lm: dspy.BaseLM | None = None):
        super().__init__()
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 (got {max_attempts})")
        self.program = program
        self.repair = dspy.Predict(RepairVerilog)
        self.repair.lm = repair_lm
        self.max_attempts = max_attempts
        self._verifier = verifier  # underscore: not a parameter DSPy should copy or save

    def fix(self, spec: str, verilog: str, result: SimResult) -> str:
        """One repair attempt; an answer without field markers is used raw."""
        try:
            with _adapter_context():
                return self.repair(spec=spec, previous_verilog=verilog, feedback=repair_feedback(result)).verilog
        except AdapterParseError as err:
            return raw_answer(err)

    def forward(self, spec: str, problem: Problem, **_: Any) -> dspy.Prediction:
        first = self.program(spec=spec)
        verilog = getattr(first, "verilog", None) or ""
        history: list[SimResult] = []
        for attempt in range(1, self.max_attempts + 1):
            result = self._verifier.check(problem, verilog)
            history.append(result)
            if result.passed or attempt == self.max_attempts:
                break
            verilog = self.fix(spec, verilog, result)
        fields = {k: v for k, v in first.items() if k != "verilog"}
        return dspy.Prediction(**fields, verilog=verilog, passed=history[-1].passed, attempts=len(history),
                               history=history)
