"""TRL reward functions over the one verification core: `f(prompts, completions, **columns) -> list[float]`.

Each returned function scores code-space completions (raw model output; extraction happens in the core) on
one `RewardParts` component, looking the Problem up by the dataset's `task_id` column. Completions are judged
one group (same task) at a time with `Verifier.check_group`, so differential mode runs ONE simulation per
GRPO group, and the three components of one batch share a single judgement.

    fmt, comp, func = sim_rewards(Verifier(SimConfig(mode="differential")), {"and_gate": problem})
    GRPOTrainer(..., reward_funcs=[fmt, comp, func], args=GRPOConfig(reward_weights=[0.2, 0.2, 0.6]))

The dual-space GRPO compiler (optimizers/grpo/rewards.py) adds CRUX-space scoring, async execution and
per-group deadlines on top of the same core.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Mapping

from sim.problem import Problem
from sim.result import SimResult

COMPONENTS = ("format", "compile", "functional")


def _text(completion) -> str:
    """A TRL completion as text: a string, or the assistant messages of a chat completion."""
    if isinstance(completion, str):
        return completion
    return "".join(m.get("content") or "" for m in completion if m.get("role", "assistant") == "assistant")


def judge_by_task(verifier, problems: Mapping[str, Problem], completions: list,
                  task_ids: list[str]) -> list[SimResult]:
    """One SimResult per completion, judged with one `check_group` call per task, input order kept."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, task_id in enumerate(task_ids):
        groups[task_id].append(i)
    results: list[SimResult | None] = [None] * len(completions)
    for task_id, rows in groups.items():
        if task_id not in problems:
            raise KeyError(f"No Problem for task_id {task_id!r}: pass the problems of the training set.")
        for i, result in zip(rows, verifier.check_group(problems[task_id], [_text(completions[i]) for i in rows])):
            results[i] = result
    return results  # type: ignore[return-value]


def sim_rewards(verifier, problems: Mapping[str, Problem]) -> list[Callable[..., list[float]]]:
    """[format, compile, functional] reward functions; the dataset needs a `task_id` column."""
    last: dict[str, tuple[list, list[SimResult]]] = {}

    def results_for(completions: list, task_id: list[str]) -> list[SimResult]:
        if "batch" not in last or last["batch"][0] is not completions:  # the three share one judgement
            last["batch"] = (completions, judge_by_task(verifier, problems, completions, task_id))
        return last["batch"][1]

    def component(name: str) -> Callable[..., list[float]]:
        def reward(prompts, completions, task_id, **_) -> list[float]:
            return [float(getattr(r.rewards, name)) for r in results_for(completions, task_id)]

        reward.__name__ = f"sim_{name}"
        reward.__doc__ = f"RewardParts.{name} of each completion, from the sim/ verification core."
        return reward

    return [component(name) for name in COMPONENTS]
