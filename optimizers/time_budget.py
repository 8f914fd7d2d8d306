"""A wall-clock budget for any transformers/TRL trainer: SFT and GRPO stop at a time, not only a step count.

The main job and the "SFT continued for the same wall time" baseline compare methods at equal time. A run
bounded by time has no step count to anneal its learning rate over, so with `anneal=True` the schedule follows
the clock instead: linear warmup over the first `warmup_fraction` of the budget, then cosine to zero when the
budget ends (a run cut at a nominal step count would stop at a high learning rate and a worse loss).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from transformers import TrainerCallback

log = logging.getLogger(__name__)
MIN_SECONDS = 10.0  # a stage cut by a deadline still trains this long: a few steps beat a missing checkpoint
SAVE_RESERVE_S = 5.0  # training under a deadline stops this long before it, to write its checkpoint in time


def time_cosine(fraction: float, warmup_fraction: float) -> float:
    """Learning-rate factor at `fraction` (0..1) of the time budget: warmup, then cosine to 0."""
    fraction = min(max(fraction, 0.0), 1.0)
    if warmup_fraction > 0 and fraction < warmup_fraction:
        return max(fraction / warmup_fraction, 1e-3)  # never exactly 0: the first step still moves
    progress = (fraction - warmup_fraction) / max(1.0 - warmup_fraction, 1e-9)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass
class TimeBudget(TrainerCallback):
    """Ends training once `seconds` of wall time have passed since training began.

    anneal: make the trainer's LambdaLR schedule (cosine, linear, ... with warmup) follow wall time instead
        of the step count, so the learning rate reaches zero as the budget runs out.
    deadline: an absolute `time.perf_counter()` time by which training and its checkpoint must be done (a
        caller's overall budget, see `Compiler.fit_time`); when training begins, `seconds` shrinks to what is
        left before it, less SAVE_RESERVE_S for the save.
    """

    seconds: float
    anneal: bool = False
    warmup_fraction: float = 0.05
    deadline: float | None = None
    _start: float | None = None
    stopped_early: bool = False

    def fraction(self) -> float:
        """Share of the budget used so far (0 before training begins)."""
        if self._start is None:
            return 0.0
        return (time.perf_counter() - self._start) / self.seconds

    def on_train_begin(self, args, state, control, lr_scheduler=None, **kwargs):
        self._start = time.perf_counter()
        left = None if self.deadline is None else self.deadline - SAVE_RESERVE_S - self._start
        if left is not None and left < self.seconds:
            left = max(left, MIN_SECONDS)
            log.info("Training time cut from %.0f s to %.0f s to meet the overall time budget.", self.seconds, left)
            self.seconds = left
        if self.anneal:
            if hasattr(lr_scheduler, "lr_lambdas"):
                factor = lambda _step: time_cosine(self.fraction(), self.warmup_fraction)  # noqa: E731
                lr_scheduler.lr_lambdas = [factor for _ in lr_scheduler.lr_lambdas]
            else:
                log.warning("TimeBudget(anneal=True): the trainer's scheduler %s is not a LambdaLR; the learning "
                            "rate keeps its step-based schedule.", type(lr_scheduler).__name__)

    def on_step_end(self, args, state, control, **kwargs):
        if self._start is not None and time.perf_counter() - self._start >= self.seconds:
            control.should_training_stop = True
            self.stopped_early = True
        return control
