"""Shape adapters between any DSPy metric and what each DSPy optimiser expects of a metric.

These adapt the metric's calling form and result, whatever the metric is. The adapters over the simulator
itself live in `sim/adapters/` (`sim.adapters.metric.SimMetric`, the DSPy metric; `sim.adapters.trl`, the TRL
rewards); `sim_metric` and `resolve_metric` here only build a `SimMetric` when a compiler is given a SimConfig.

`SimMetric` returns `dspy.Prediction(score=, feedback=)` (GEPA's format). Bootstrapping and MIPROv2
want a number (bootstrapping tests its truth: a Prediction object is always true, which would keep failing
traces as demos), so `ScoreMetric` turns any metric result into a float. GEPA gets the metric unchanged,
through `FeedbackMetric`, which only guarantees the five-argument form and a feedback string.
"""
from __future__ import annotations

from typing import Any, Callable

import dspy


def score_of(value: Any) -> float:
    """A metric result as a float: Prediction.score, a bool, or a number."""
    if isinstance(value, dspy.Prediction) or hasattr(value, "score"):
        return float(value.score)
    return float(value)


class ScoreMetric:
    """`metric(example, pred, trace=None) -> float` over any metric (for bootstrap and MIPROv2)."""

    def __init__(self, metric: Callable[..., Any]):
        self.metric = metric
        self.__name__ = getattr(metric, "__name__", "score_metric")

    def __call__(self, example: dspy.Example, pred: Any, trace: Any = None, *args: Any, **kwargs: Any) -> float:
        return score_of(self.metric(example, pred, trace))


class FeedbackMetric:
    """GEPA's metric: `(gold, pred, trace, pred_name, pred_trace) -> Prediction(score, feedback)`.

    The simulator's words (first compile error, first mismatching output and cycle) become the feedback GEPA's
    reflection LM reads; a metric that returns only a number gets its score written out as feedback.
    """

    def __init__(self, metric: Callable[..., Any]):
        self.metric = metric
        self.__name__ = getattr(metric, "__name__", "feedback_metric")

    def __call__(self, gold: dspy.Example, pred: Any, trace: Any = None, pred_name: str | None = None,
                 pred_trace: Any = None) -> dspy.Prediction:
        value = self.metric(gold, pred, trace, pred_name, pred_trace)
        if isinstance(value, dspy.Prediction) and "feedback" in value:
            return dspy.Prediction(score=float(value.score), feedback=str(value.feedback))
        score = score_of(value)
        return dspy.Prediction(score=score, feedback=f"score {score:.2f} (the metric gave no feedback)")


def sim_metric(sim: Any) -> Callable[..., Any]:
    """`sim.adapters.metric.SimMetric` over a Verifier built from a SimConfig (how run.py's `sim: ${sim}`
    arrives)."""
    from sim.adapters.metric import SimMetric
    from sim.core import Verifier

    return SimMetric(Verifier(sim))


def resolve_metric(metric: Callable[..., Any] | None, sim: Any, compiler: str) -> Callable[..., Any]:
    """The metric given, else the simulator metric for `sim`; neither is an error that says what to pass."""
    if metric is not None:
        return metric
    if sim is None:
        raise ValueError(f"compiler={compiler} needs a metric: pass "
                         "metric=sim.adapters.metric.SimMetric(Verifier(...)) or sim=SimConfig(...) "
                         "(conf/compiler/*.yaml set sim: ${sim}).")
    return sim_metric(sim)
