"""TRL completions as the verifier takes them: their text, grouped by task, judged one group at a time.

Shared by the plain TRL reward adapter (`sim.adapters.trl`) and the dual-space GRPO scorer
(optimizers/grpo/rewards.py): grouping by task is what lets differential mode run ONE simulation per GRPO group.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Hashable, Iterable, Mapping, Protocol, TypeVar

from sim.problem import Problem
from sim.result import SimResult

Key = TypeVar("Key", bound=Hashable)


class GroupChecker(Protocol):
    """What the reward adapters need of `sim.core.Verifier`."""

    def check_group(self, problem: Problem, completions: list[str]) -> list[SimResult]: ...


def completion_text(completion: Any) -> str:
    """The text of one TRL completion: a string, or (chat datasets) the assistant messages of a list of them."""
    if isinstance(completion, str):
        return completion
    return "".join(m.get("content") or "" for m in completion if m.get("role", "assistant") == "assistant")


def group_rows(keys: Iterable[Key]) -> dict[Key, list[int]]:
    """The row indices of each key, keys in order of first appearance (a batch's groups)."""
    groups: dict[Key, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    return dict(groups)


def judge_by_task(verifier: GroupChecker, problems: Mapping[str, Problem], completions: list,
                  task_ids: list[str]) -> list[SimResult]:
    """One SimResult per completion, judged with one `check_group` call per task, input order kept."""
    results: list[SimResult | None] = [None] * len(completions)
    for task_id, rows in group_rows(task_ids).items():
        if task_id not in problems:
            raise KeyError(f"No Problem for task_id {task_id!r}: pass the problems of the training set.")
        texts = [completion_text(completions[i]) for i in rows]
        for i, result in zip(rows, verifier.check_group(problems[task_id], texts)):
            results[i] = result
    return results  # type: ignore[return-value]
