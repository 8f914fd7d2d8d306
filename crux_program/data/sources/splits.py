"""What every data source hands run.py: `DataSplits`, the `DataSource` protocol, and `select` (data.limit /
data.task_ids over a list of problems)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import dspy

from crux_program.errors import UserError
from sim.problem import Problem


@dataclass
class DataSplits:
    """train/val: examples a compiler learns from; test: the problems an evaluation scores."""

    train: list[dspy.Example] = field(default_factory=list)
    val: list[dspy.Example] = field(default_factory=list)
    test: list[Problem] = field(default_factory=list)


class DataSource(Protocol):
    """What `data=` configs instantiate: anything that loads DataSplits."""

    name: str

    def load(self) -> DataSplits: ...


def select(problems: list[Problem], task_ids: list[str] | None, limit: int | None) -> list[Problem]:
    """Keep the named task ids (in the given order), then the first `limit`; unknown ids are an error."""
    if task_ids:
        by_id = {p.task_id: p for p in problems}
        missing = [t for t in task_ids if t not in by_id]
        if missing:
            raise UserError(f"data.task_ids: unknown task ids {missing[:5]}; ids look like {list(by_id)[:3]}")
        problems = [by_id[t] for t in task_ids]
    if limit is not None:
        if limit < 1:
            raise UserError(f"data.limit={limit}: use a positive number of problems, or null for all")
        problems = problems[:limit]
    return problems
