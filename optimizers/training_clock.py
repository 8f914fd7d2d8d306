"""`TrainingClock`: a wall-clock limit for any transformers/TRL trainer, so SFT and GRPO stop at a time, not only
a step count, and end within the overall `Budget` (optimizers.time_budget) their compile() was given.

The main job and the "SFT continued for the same wall time" baseline compare methods at equal time. A run
bounded by time has no step count to anneal its learning rate over, so with `anneal=True` the schedule follows
the clock instead: linear warmup over the first `warmup_fraction` of the time, then the trainer's
`lr_scheduler_type` shape over the rest, reaching zero when the time is up (a run cut at a nominal step count
would stop at a high learning rate and a worse loss). Where the steps (max_steps or the epochs) would run out
before the time does, say on a GPU, the schedule follows whichever is nearer its end, so it reaches zero either
way. Shapes: cosine (default), linear, constant, and warmup_stable_decay (constant, then linear to zero over the
last `decay_fraction` of the time).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from transformers import TrainerCallback

from optimizers.time_budget import Budget

log = logging.getLogger(__name__)
MIN_SECONDS = 10.0  # a stage cut by a budget still trains this long: a few steps beat a missing checkpoint
SAVE_RESERVE_S = 5.0  # training under a budget stops this long before its end, to write its checkpoint in time


TIME_SCHEDULES = ("cosine", "linear", "constant", "warmup_stable_decay")


def time_lr_factor(fraction: float, warmup_fraction: float, shape: str = "cosine",
                   decay_fraction: float = 0.2) -> float:
    """Learning-rate factor at `fraction` (0..1) of the training time: linear warmup, then `shape`.

    warmup_stable_decay holds the peak until the last `decay_fraction` of the time and decays linearly to 0
    there (the "cooldown" schedule of Muon speed runs): more of a short run at the peak rate than cosine gives.
    """
    if shape not in TIME_SCHEDULES:
        raise ValueError(f"lr schedule {shape!r} cannot follow the clock; choose one of {', '.join(TIME_SCHEDULES)}")
    fraction = min(max(fraction, 0.0), 1.0)
    if warmup_fraction > 0 and fraction < warmup_fraction:
        return max(fraction / warmup_fraction, 1e-3)  # never exactly 0: the first step still moves
    progress = (fraction - warmup_fraction) / max(1.0 - warmup_fraction, 1e-9)
    if shape == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if shape == "linear":
        return 1.0 - progress
    if shape == "constant":
        return 1.0
    if not 0.0 < decay_fraction <= 1.0:
        raise ValueError(f"decay_fraction must be in (0, 1] (got {decay_fraction})")
    return min(1.0, (1.0 - fraction) / decay_fraction)


def time_cosine(fraction: float, warmup_fraction: float) -> float:
    """Learning-rate factor at `fraction` (0..1) of the training time: warmup, then cosine to 0."""
    return time_lr_factor(fraction, warmup_fraction, "cosine")


@dataclass
class TrainingClock(TrainerCallback):
    """Ends training once `seconds` of wall time have passed since training began.

    anneal: make the trainer's LambdaLR schedule follow wall time instead of the step count, so the learning
        rate reaches zero as the time runs out; `shape` and `decay_fraction` as in `time_lr_factor`.
    budget: the overall `Budget` training and its checkpoint must be done within (the one passed to
        `Compiler.compile`); when training begins, `seconds` shrinks to what is left of it, less SAVE_RESERVE_S
        for the save.
    """

    seconds: float
    anneal: bool = False
    warmup_fraction: float = 0.05
    budget: Budget | None = None
    shape: str = "cosine"
    decay_fraction: float = 0.2
    _start: float | None = None
    stopped_early: bool = False

    def __post_init__(self) -> None:
        if self.anneal:  # a bad shape or decay fraction fails here, before training, not at its first step
            time_lr_factor(1.0, self.warmup_fraction, self.shape, self.decay_fraction)

    def fraction(self) -> float:
        """Share of `seconds` used so far (0 before training begins)."""
        if self._start is None:
            return 0.0
        return (time.perf_counter() - self._start) / self.seconds

    def progress(self, step: int, max_steps: int | None) -> float:
        """How far through the run the schedule is: the time used or the steps taken, whichever is further."""
        return max(self.fraction(), step / max_steps if max_steps else 0.0)

    def on_train_begin(self, args, state, control, lr_scheduler=None, **kwargs):
        self._start = time.perf_counter()
        left = None if self.budget is None else self.budget.ends_at - SAVE_RESERVE_S - self._start
        if left is not None and left < self.seconds:
            left = max(left, MIN_SECONDS)
            log.info("Training time cut from %.0f s to %.0f s to meet the overall time budget.", self.seconds, left)
            self.seconds = left
        if self.anneal:
            if hasattr(lr_scheduler, "lr_lambdas"):
                max_steps = getattr(state, "max_steps", 0) or 0  # <= 0: the epochs decide, known to HF only
                max_steps = max_steps if max_steps > 0 else None
                factor = lambda step: time_lr_factor(self.progress(step, max_steps),  # noqa: E731
                                                     self.warmup_fraction, self.shape, self.decay_fraction)
                lr_scheduler.lr_lambdas = [factor for _ in lr_scheduler.lr_lambdas]
            else:
                log.warning("TrainingClock(anneal=True): the trainer's scheduler %s is not a LambdaLR; the learning "
                            "rate keeps its step-based schedule.", type(lr_scheduler).__name__)

    def on_step_end(self, args, state, control, **kwargs):
        if self._start is not None and time.perf_counter() - self._start >= self.seconds:
            control.should_training_stop = True
            self.stopped_early = True
        return control
