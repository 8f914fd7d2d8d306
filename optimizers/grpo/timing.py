"""Where GRPO step time goes, as a TrainerCallback.

`StepTimer` records each optimizer step's wall time and, through `instrument_generation`, the time spent in
the trainer's generation call; the scorer records reward time itself (`ScoreStats`). Together they give the
benchmark's figure: reward time as a fraction of step time. (What stops training after a wall-clock time, so
two compilers can be compared at equal time, is `optimizers.training_clock.TrainingClock`.)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from statistics import mean

from transformers import TrainerCallback


@dataclass
class StepTimer(TrainerCallback):
    """Wall time of every optimizer step, and of every generation call when instrumented."""

    step_seconds: list[float] = field(default_factory=list)
    generation_seconds: list[float] = field(default_factory=list)
    _start: float | None = None

    def on_step_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self._start is not None:
            self.step_seconds.append(time.perf_counter() - self._start)
            self._start = None

    def instrument_generation(self, trainer) -> None:
        """Time `trainer._generate` (TRL 1.16's single generation entry point for every backend)."""
        inner = trainer._generate

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.generation_seconds.append(time.perf_counter() - start)

        trainer._generate = timed

    @staticmethod
    def summary(values: list[float]) -> float:
        return round(mean(values), 4) if values else 0.0


