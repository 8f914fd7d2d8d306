"""A wall-clock budget for any transformers/TRL trainer: SFT and GRPO stop at a time, not only a step count.

The main job and the "SFT continued for the same wall time" baseline compare methods at equal time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from transformers import TrainerCallback


@dataclass
class TimeBudget(TrainerCallback):
    """Ends training once `seconds` of wall time have passed since training began."""

    seconds: float
    _start: float | None = None
    stopped_early: bool = False

    def on_train_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self._start is not None and time.perf_counter() - self._start >= self.seconds:
            control.should_training_stop = True
            self.stopped_early = True
        return control
