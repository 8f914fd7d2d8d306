"""Evaluate a program before compiling and after each compiler stage, and tabulate them side by side.

The main job (untrained -> SFT -> GRPO) is one evaluation per stage on the same test problems with the same
settings, so the rows of the table differ only in the weights or prompts the program runs on.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crux_program.evaluation.report import EvalMetrics
from sim.result import REWARD_COMPONENTS


@dataclass(frozen=True)
class StageRow:
    """One stage's headline figures (its full report is in `run_dir`)."""

    stage: str
    run_dir: str
    pass_at_1: float
    n_problems: int
    n_samples: int
    statuses: dict[str, int]
    train_seconds: float | None = None
    mean_reward: dict[str, float] = field(default_factory=dict)  # format / compile / functional partial credit
    crux_parsed: float | None = None           # share of answers with a parseable CRUX (None: no CRUX program)
    crux_interface_match: float | None = None  # share whose CRUX interface matches the reference's

    @classmethod
    def from_metrics(cls, stage: str, run_dir: Path, metrics: EvalMetrics,
                     train_seconds: float | None = None) -> "StageRow":
        data = metrics.to_json()
        return cls(stage=stage, run_dir=str(run_dir), pass_at_1=float(data["pass@1"]),
                   n_problems=int(data["n_problems"]), n_samples=int(data["n_samples"]),
                   statuses=dict(data.get("status_counts", {})), train_seconds=train_seconds,
                   mean_reward=dict(data.get("mean_reward") or {}), crux_parsed=data.get("crux_parsed"),
                   crux_interface_match=data.get("crux_interface_match"))


def stage_table(rows: list[StageRow]) -> str:
    """A markdown table: one row per stage, pass@1, the CRUX shares (programs that write one), the mean partial
    credit and the verdict counts."""
    statuses = sorted({s for row in rows for s in row.statuses})
    parts = REWARD_COMPONENTS
    with_crux = any(row.crux_parsed is not None for row in rows)
    head = ["stage", "pass@1", "problems", "train s"] + (["CRUX parsed", "CRUX interface"] if with_crux else [])
    head += [f"mean {p}" for p in parts] + statuses
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        train = "-" if row.train_seconds is None else f"{row.train_seconds:.0f}"
        cells = [row.stage, f"{row.pass_at_1:.3f}", str(row.n_problems), train]
        if with_crux:
            cells += ["-" if v is None else f"{v:.3f}" for v in (row.crux_parsed, row.crux_interface_match)]
        cells += [f"{row.mean_reward.get(p, 0.0):.3f}" for p in parts]
        cells += [str(row.statuses.get(s, 0)) for s in statuses]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_stage_table(run_dir: Path, rows: list[StageRow]) -> str:
    """Write stages.md and stages.json into run_dir; returns the table text."""
    table = stage_table(rows)
    (run_dir / "stages.md").write_text(table + "\n", encoding="utf-8")
    (run_dir / "stages.json").write_text(json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8")
    return table
