"""The simulator as a DSPy metric: scores for Evaluate and MIPROv2, words for GEPA, a pass for bootstrapping.

How DSPy 3.4 calls a metric (read off the installed source):
- `dspy.Evaluate` calls `metric(example, pred)` and sums the results: a `dspy.Prediction` with a `score`
  adds up like a float (`Prediction.__radd__`/`__float__`).
- GEPA calls `metric(example, pred, trace, pred_name, pred_trace)` for feedback and reads `score` and
  `feedback` from the returned Prediction; for scoring it goes through Evaluate (trace=None).
- `BootstrapFewShot` calls `metric(example, pred, trace)` with a trace and keeps the demo when the result
  is truthy. A Prediction is always truthy (it has fields), so there we return a plain bool.
"""
from __future__ import annotations

from typing import Any

import dspy

from sim.core import Verifier
from sim.result import SimResult


class SimMetric:
    """DSPy metric over the verification core.

    `example.problem` is a `sim.problem.Problem`, `pred.verilog` the candidate (raw model output is fine:
    extraction happens in the verifier). Returns `dspy.Prediction(score=float, feedback=str)`; with a trace
    and no `pred_name` (demo bootstrapping) it returns whether the candidate passed.

    partial_credit: score a failing candidate by its functional reward (fraction of matching samples)
    instead of 0. Off by default so that Evaluate's score is the pass rate.
    """

    def __init__(self, verifier: Verifier, partial_credit: bool = False):
        self.verifier = verifier
        self.partial_credit = partial_credit
        self.__name__ = "sim_metric"  # Evaluate names its result column after the metric

    def result(self, example: dspy.Example, pred: Any) -> SimResult:
        """The simulator's verdict for this prediction (the candidate is `pred.verilog`, "" if absent)."""
        problem = getattr(example, "problem", None)
        if problem is None:
            raise ValueError("SimMetric needs `example.problem` (a sim.problem.Problem): build examples with "
                             "Triplet.to_example() or dspy.Example(problem=..., spec=...).with_inputs('spec')")
        candidate = getattr(pred, "verilog", None) or ""
        return self.verifier.check(problem, candidate)

    def score_of(self, result: SimResult) -> float:
        """1.0 on pass; else 0.0, or the functional reward with partial credit."""
        if result.passed:
            return 1.0
        return float(result.rewards.functional) if self.partial_credit else 0.0

    def __call__(self, example: dspy.Example, pred: Any, trace: Any = None, pred_name: str | None = None,
                 pred_trace: Any = None) -> dspy.Prediction | bool:
        result = self.result(example, pred)
        if trace is not None and pred_name is None:
            return result.passed
        return dspy.Prediction(score=self.score_of(result), feedback=feedback_text(result, pred_name))


def feedback_text(result: SimResult, pred_name: str | None = None) -> str:
    """What GEPA's reflection model reads: the verdict, then the simulator's own words."""
    if result.passed:
        return "The Verilog passed simulation against the reference."
    words = result.detail() or "no further detail from the simulator"
    lines = [f"The Verilog failed: {result.status.value}.", words]
    if result.samples and "mismatch" not in words:
        lines.append(f"{result.mismatches} of {result.samples} checked samples mismatched.")
    if pred_name and "crux" in pred_name and "verilog" not in pred_name:
        lines.append("This predictor wrote the CRUX plan that the code was written from: check that the plan's "
                     "interface and behaviour descriptions would lead to correct code.")
    return "\n".join(lines)
