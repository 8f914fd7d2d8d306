"""`compiler=bootstrap`: few-shot demos bootstrapped through the simulator, best set by random search.

dspy.BootstrapFewShotWithRandomSearch runs the program on training examples, keeps the traces whose output
passes the metric as demos (plus labelled demos), and picks the candidate demo set that scores best on the
valset.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import dspy

from optimizers.config import BootstrapSettings
from optimizers.metric import ScoreMetric
from optimizers.prompt_compiler import PromptCompiler


class BootstrapCompiler(PromptCompiler):
    """Few-shot bootstrapping with random search over demo sets."""

    name = "bootstrap"

    def __init__(self, settings: BootstrapSettings, run_dir: Path | str,
                 metric: Callable[..., Any] | None = None, sim: Any = None) -> None:
        super().__init__(run_dir, metric, sim)
        self.settings = settings

    def _optimize(self, program, trainset, valset):
        s = self.settings
        optimizer = dspy.BootstrapFewShotWithRandomSearch(
            metric=ScoreMetric(self.metric), max_bootstrapped_demos=s.max_bootstrapped_demos,
            max_labeled_demos=s.max_labeled_demos, max_rounds=s.max_rounds,
            num_candidate_programs=s.num_candidate_programs, num_threads=s.num_threads,
            metric_threshold=s.metric_threshold)
        compiled = optimizer.compile(program, trainset=trainset, valset=valset)
        self._write_candidates(compiled)
        return compiled

    def _write_candidates(self, compiled: dspy.Module) -> None:
        """Every candidate demo set tried, best first: its validation score and demos per predictor."""
        rows = [{"score": c["score"], "seed": c.get("seed"),
                 "demos": {n: len(p.demos) for n, p in c["program"].named_predictors()},
                 "bootstrapped_tasks": sorted({str(d.get("spec", ""))[:60] for _, p in c["program"].named_predictors()
                                               for d in p.demos if d.get("augmented")})}
                for c in getattr(compiled, "candidate_programs", [])]
        (self.run_dir / "candidates.json").write_text(json.dumps(rows, indent=2))
