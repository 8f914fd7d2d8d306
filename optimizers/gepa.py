"""`compiler=gepa`: dspy.GEPA evolves the predictors' instructions by reflecting on the simulator's feedback.

The metric's feedback is the simulator's own account of a failure (the first compile error, or the first
mismatching output and the cycle where it differs), so the reflection LM reads why a design failed, not just
that it did. Runs, candidates and the Pareto front are logged in run_dir/gepa.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import dspy

from optimizers.config import GepaSettings
from optimizers.metric import FeedbackMetric
from optimizers.prompt_compiler import PromptCompiler


class GepaCompiler(PromptCompiler):
    """GEPA with simulator feedback; `reflection_lm` proposes new instructions (default: the program's LM)."""

    name = "gepa"

    def __init__(self, settings: GepaSettings, run_dir: Path | str,
                 metric: Callable[..., Any] | None = None, sim: Any = None,
                 reflection_lm: dspy.BaseLM | None = None) -> None:
        super().__init__(run_dir, metric, sim)
        self.settings = settings
        self.reflection_lm = reflection_lm

    def _optimize(self, program, trainset, valset):
        s = self.settings
        optimizer = dspy.GEPA(
            metric=FeedbackMetric(self.metric), auto=s.auto, max_metric_calls=s.max_metric_calls,
            max_full_evals=s.max_full_evals, reflection_minibatch_size=s.reflection_minibatch_size,
            candidate_selection_strategy=s.candidate_selection_strategy,
            reflection_lm=self.reflection_lm or dspy.settings.lm, use_merge=s.use_merge,
            num_threads=s.num_threads, seed=s.seed, log_dir=str(self.run_dir / "gepa"), track_stats=True)
        return optimizer.compile(program, trainset=trainset, valset=valset or trainset)
