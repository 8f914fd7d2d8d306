"""TRL reward functions over the one verification core: `f(prompts, completions, **columns) -> list[float]`.

Each returned function scores code-space completions (raw model output; extraction happens in the core) on
one `RewardParts` component, looking the Problem up by the dataset's `task_id` column. Completions are judged
one group (same task) at a time with `Verifier.check_group`, so differential mode runs ONE simulation per
GRPO group, and the components of one batch share a single judgement.

    fmt, comp, func = sim_rewards(Verifier(SimConfig(mode="differential")), {"and_gate": problem})
    GRPOTrainer(..., reward_funcs=[fmt, comp, func], args=GRPOConfig(reward_weights=[0.2, 0.2, 0.6]))

The dual-space GRPO compiler (optimizers/grpo/rewards.py) adds CRUX-space scoring, async execution and
per-group deadlines on top of the same core and the same grouping (`sim.adapters.completions`).
"""
from __future__ import annotations

from typing import Callable, Mapping

from sim.adapters.completions import GroupChecker, judge_by_task
from sim.problem import Problem
from sim.result import REWARD_COMPONENTS, SimResult


def sim_rewards(verifier: GroupChecker, problems: Mapping[str, Problem]) -> list[Callable[..., list[float]]]:
    """One reward function per `RewardParts` component, in field order (format, compile, functional); the dataset
    needs a `task_id` column."""
    last: dict[str, tuple[list, list[SimResult]]] = {}

    def results_for(completions: list, task_id: list[str]) -> list[SimResult]:
        if "batch" not in last or last["batch"][0] is not completions:  # the components share one judgement
            last["batch"] = (completions, judge_by_task(verifier, problems, completions, task_id))
        return last["batch"][1]

    def component(name: str) -> Callable[..., list[float]]:
        def reward(prompts, completions, task_id, **_) -> list[float]:
            return [float(getattr(r.rewards, name)) for r in results_for(completions, task_id)]

        reward.__name__ = f"sim_{name}"
        reward.__doc__ = f"RewardParts.{name} of each completion, from the sim/ verification core."
        return reward

    return [component(name) for name in REWARD_COMPONENTS]
