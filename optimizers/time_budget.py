"""The overall wall-clock budget a compile() must end within: one typed value, `Budget`.

run.py computes it from `task.time_budget_s` (the main job's 15 minutes, less what is spent and what the later
evaluations need) and hands it to `Compiler.compile(..., budget=)`. A compiler capped by wall time
(`settings.max_time_s`) trains for at most `budget.cap(max_time_s)`; one bounded by steps, epochs or metric
calls ignores it. Inside the trainer, `optimizers.training_clock.TrainingClock` enforces it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """An overall wall-clock budget: what is passed to `Compiler.compile` must be done by `ends_at`.

    ends_at: an absolute `time.perf_counter()` time. Build one with `Budget.starting_now(seconds)`.
    """

    ends_at: float

    @classmethod
    def starting_now(cls, seconds: float) -> Budget:
        """A budget that ends `seconds` from now."""
        return cls(time.perf_counter() + seconds)

    def left(self) -> float:
        """Seconds until the budget ends (negative once it has)."""
        return self.ends_at - time.perf_counter()

    def cap(self, seconds: float | None) -> float | None:
        """The effective wall-clock cap of a stage whose own cap is `seconds`: the smaller of it and the time
        left (negative once the budget has ended). An uncapped stage (None) stays uncapped: training bounded by
        steps, epochs or metric calls is never cut."""
        return None if seconds is None else min(seconds, self.left())

    def split(self, fraction: float) -> Budget:
        """The budget of a part that gets `fraction` of the time left (sft_grpo's stages share it by their caps)."""
        now = time.perf_counter()
        return Budget(now + (self.ends_at - now) * fraction)

