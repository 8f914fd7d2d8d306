"""`compiler=mipro`: dspy.MIPROv2 proposes instructions and demo sets and searches them against the simulator."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import dspy

from optimizers.config import MiproSettings
from optimizers.metric import ScoreMetric
from optimizers.prompt_compiler import PromptCompiler

log = logging.getLogger(__name__)


def split_for_mipro(trainset: list, valset: list | None) -> tuple[list, list]:
    """(trainset, valset) with a held-out valset: without one, DSPy's own rule (the last 80% of the trainset
    scores candidates, the first 20% gives demos), done here so minibatch sizes follow the real valset.
    Scoring candidates on the examples their demos came from would pick the set that copies them best."""
    if valset:
        return trainset, valset
    if len(trainset) < 2:
        raise ValueError("MIPROv2 needs a valset, or a trainset of at least 2 examples to split into one.")
    cutoff = len(trainset) - min(1000, max(1, int(len(trainset) * 0.80)))
    log.info("mipro: no valset; scoring on the last %d of %d train examples", len(trainset) - cutoff, len(trainset))
    return trainset[:cutoff], trainset[cutoff:]


class MiproCompiler(PromptCompiler):
    """MIPROv2 over the program's predictors; proposals come from `prompt_lm` (default: the program's LM)."""

    name = "mipro"

    def __init__(self, settings: MiproSettings, run_dir: Path | str,
                 metric: Callable[..., Any] | None = None, sim: Any = None,
                 prompt_lm: dspy.BaseLM | None = None) -> None:
        super().__init__(run_dir, metric, sim)
        self.settings = settings
        self.prompt_lm = prompt_lm

    def _optimize(self, program, trainset, valset):
        s = self.settings
        optimizer = dspy.MIPROv2(
            metric=ScoreMetric(self.metric), prompt_model=self.prompt_lm or dspy.settings.lm,
            task_model=dspy.settings.lm, max_bootstrapped_demos=s.max_bootstrapped_demos,
            max_labeled_demos=s.max_labeled_demos, auto=s.auto, num_candidates=s.num_candidates,
            num_threads=s.num_threads, seed=s.seed, init_temperature=s.init_temperature,
            log_dir=str(self.run_dir / "mipro"), verbose=False)
        trainset, valset = split_for_mipro(trainset, valset)
        return optimizer.compile(
            program, trainset=trainset, valset=valset, num_trials=s.num_trials, seed=s.seed,
            minibatch=s.minibatch and len(valset) > s.minibatch_size,
            minibatch_size=min(s.minibatch_size, len(valset)))
