"""Progressive reward weights: move weight from format and compile toward function as training proceeds.

GRPO sums the reward components with `trainer.reward_weights` (one weight per reward function: format,
compile, functional), and TRL reads that tensor afresh at every step. `RewardScheduleCallback` sets it at the
start of each step from a `RewardSchedule` and logs the weights it used, so a run shows what it was rewarded
for and when.

    >>> s = RewardSchedule(kind="linear", start=(0.4, 0.4, 0.2), end=(0.0, 0.0, 1.0))
    >>> s.weights_at(0, 10), s.weights_at(10, 10)
    ((0.4, 0.4, 0.2), (0.0, 0.0, 1.0))
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import torch
from transformers import TrainerCallback

from optimizers.training_clock import TrainingClock
from sim.result import REWARD_COMPONENTS

Weights = tuple[float, float, float]  # one per REWARD_COMPONENTS entry, in that order


@dataclass(frozen=True)
class RewardSchedule:
    """Weights of (format, compile, functional) as a function of training progress.

    kind: "fixed" (always `end`), "linear" / "cosine" (from `start` to `end` between `warmup` and `until`,
        as fractions of max_steps), or "step" (jump from `start` to `end` at each of `boundaries`, moving an
        equal share of the way each time).
    start, end: the weights at the beginning and the end; they need not sum to 1.
    warmup, until: progress fractions where the ramp begins and ends (linear, cosine).
    boundaries: progress fractions of the jumps (step).
    """

    kind: Literal["fixed", "linear", "step", "cosine"] = "linear"
    start: Weights = (0.4, 0.4, 0.2)
    end: Weights = (0.1, 0.1, 0.8)
    warmup: float = 0.0
    until: float = 1.0
    boundaries: tuple[float, ...] = (0.33, 0.66)

    def __post_init__(self) -> None:
        if self.kind not in ("fixed", "linear", "step", "cosine"):
            raise ValueError(f"RewardSchedule.kind={self.kind!r}: choose fixed, linear, step or cosine.")
        for name in ("start", "end"):
            value = tuple(float(w) for w in getattr(self, name))
            if len(value) != len(REWARD_COMPONENTS) or min(value) < 0:
                raise ValueError(f"RewardSchedule.{name}={value}: give three non-negative weights "
                                 f"for {REWARD_COMPONENTS}.")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "boundaries", tuple(sorted(float(b) for b in self.boundaries)))
        if not 0.0 <= self.warmup < self.until <= 1.0:
            raise ValueError(f"RewardSchedule needs 0 <= warmup < until <= 1 (got {self.warmup}, {self.until}).")

    def mix(self, progress: float) -> float:
        """How far (0 = start, 1 = end) the weights have moved at this training progress in [0, 1]."""
        if self.kind == "fixed":
            return 1.0
        if self.kind == "step":
            return sum(progress >= b for b in self.boundaries) / max(len(self.boundaries), 1)
        t = min(max((progress - self.warmup) / (self.until - self.warmup), 0.0), 1.0)
        return t if self.kind == "linear" else 0.5 - 0.5 * math.cos(math.pi * t)

    def weights_at(self, step: int, max_steps: int) -> Weights:
        """The (format, compile, functional) weights to use at optimizer step `step` of `max_steps`."""
        return self.weights_at_progress(step / max_steps if max_steps > 0 else 1.0)

    def weights_at_progress(self, progress: float) -> Weights:
        """The weights at training progress `progress` in [0, 1] (clamped)."""
        m = self.mix(min(max(progress, 0.0), 1.0))
        return tuple(round(a + (b - a) * m, 6) for a, b in zip(self.start, self.end))  # type: ignore[return-value]


@dataclass
class RewardScheduleCallback(TrainerCallback):
    """Sets `trainer.reward_weights` from the schedule at the start of every step and logs them.

    trainer: the GRPOTrainer whose `reward_weights` TRL reads at every step; given here when it exists, else
        bound once with `bind(trainer)` right after it is built (see there why).
    clock: the run's wall-clock limit, if any. Progress is then whichever limit is nearer: steps done /
        max_steps, or the share of the clock's time used. A run stopped by its clock at step 150 of a nominal
        2,000 would otherwise end with the start's format-heavy weights and never reward function much.
    """

    schedule: RewardSchedule
    trainer: object | None = None
    history: list[tuple[int, Weights]] = field(default_factory=list)
    clock: TrainingClock | None = None

    def progress(self, state) -> float:
        """Training progress in [0, 1]: the step fraction, or the time fraction where the clock is nearer."""
        steps = state.global_step / state.max_steps if state.max_steps > 0 else 1.0
        return min(max(steps, self.clock.fraction() if self.clock is not None else 0.0), 1.0)

    def bind(self, trainer) -> None:
        """Attach the trainer this callback sets the weights of, once, right after the trainer is built.

        A late binding because the trainer is built with this callback among its callbacks, so that it runs
        before the console printer (which then prints the weights), and transformers hands callbacks the model,
        optimizer and data but never the trainer, on which `reward_weights` lives.
        """
        if self.trainer is not None and self.trainer is not trainer:
            raise RuntimeError("RewardScheduleCallback is already bound to another trainer: build one per trainer.")
        self.trainer = trainer

    def current(self, state) -> Weights:
        return self.schedule.weights_at_progress(self.progress(state))

    def on_step_begin(self, args, state, control, **kwargs):
        if self.trainer is None:
            raise RuntimeError("RewardScheduleCallback has no trainer: call callback.bind(trainer) "
                               "before trainer.train().")
        weights = self.current(state)
        self.trainer.reward_weights = torch.tensor(weights, dtype=torch.float32)
        if not self.history or self.history[-1][0] != state.global_step:
            self.history.append((state.global_step, weights))

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is None:
            return
        # The weights the logged step was trained with (the last ones applied), not the next step's.
        applied = self.history[-1][1] if self.history else self.current(state)
        weights = {f"reward_weight/{n}": w for n, w in zip(REWARD_COMPONENTS, applied)}
        logs.update(weights)  # for the console / report_to integrations
        # Trainer.log copies `logs` into log_history before calling on_log: add them there too.
        if state.log_history and state.log_history[-1].get("step") == state.global_step:
            state.log_history[-1].update(weights)
