"""After a `-m` sweep: one table (and plot) across the runs, read from each run's metrics.json.

`python run.py -m program=crux,direct` calls `summarize_sweep(sweep_dir)` when the sweep ends (a Hydra callback
in run.py, configured in conf/hydra/default.yaml); it can also be run by hand on any sweep folder:

    python -m crux_program.evaluation.multirun outputs/eval/multirun_2026-01-01_12-00-00_1234-ab12
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from crux_program.evaluation.report import METRICS_FILE

SUMMARY_CSV = "summary.csv"
SUMMARY_MD = "summary.md"
SUMMARY_PNG = "summary.png"


@dataclass(frozen=True)
class RunRow:
    """One run of the sweep: its folder, the overrides that made it, and its metrics."""

    run_dir: Path
    overrides: str
    metrics: dict

    def value(self, key: str) -> str:
        if key.startswith("mean "):  # partial credit: metrics.json's mean_reward.{format,compile,functional}
            v = (self.metrics.get("mean_reward") or {}).get(key[5:], "")
        else:
            v = self.metrics.get(key, "")
        return f"{v:.4f}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class SweepSummary:
    """All runs of a sweep, in job order, and the metric columns shown for them."""

    rows: list[RunRow]
    columns: list[str]

    def to_markdown(self) -> str:
        header = ["run", "overrides", *self.columns]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in self.rows:
            lines.append("| " + " | ".join([row.run_dir.name, row.overrides or "(defaults)",
                                            *[row.value(c) for c in self.columns]]) + " |")
        return "\n".join(lines) + "\n"


def _overrides(run_dir: Path) -> str:
    """The job's own command-line overrides, as Hydra recorded them in .hydra/overrides.yaml."""
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.exists():
        return ""
    return " ".join(str(o) for o in (yaml.safe_load(path.read_text(encoding="utf-8")) or []))


def _job_order(path: Path) -> tuple:
    return (0, int(path.name), "") if path.name.isdigit() else (1, 0, path.name)


def collect_runs(sweep_dir: Path) -> SweepSummary:
    """Read every run folder's metrics.json under `sweep_dir` (one level down, as Hydra lays out sweeps)."""
    runs = sorted((p.parent for p in Path(sweep_dir).glob(f"*/{METRICS_FILE}")), key=_job_order)
    rows = [RunRow(d, _overrides(d), json.loads((d / METRICS_FILE).read_text(encoding="utf-8"))) for d in runs]
    pass_keys = sorted({k for r in rows for k in r.metrics if k.startswith("pass@")}, key=lambda k: int(k[5:]))
    credit = [f"mean {p}" for p in ("format", "compile", "functional")
              if any(p in (r.metrics.get("mean_reward") or {}) for r in rows)]
    columns = [*pass_keys, *credit, "n_problems", "n_samples", "passed"]
    return SweepSummary(rows, columns)


def summarize_sweep(sweep_dir: Path | str, print_table: bool = True) -> SweepSummary:
    """Write summary.csv, summary.md and summary.png into `sweep_dir` and print the table."""
    sweep_dir = Path(sweep_dir)
    summary = collect_runs(sweep_dir)
    if not summary.rows:
        print(f"sweep summary: no run under {sweep_dir} wrote {METRICS_FILE} (did every job fail?)")
        return summary
    with (sweep_dir / SUMMARY_CSV).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["run", "overrides", *summary.columns])
        for row in summary.rows:
            writer.writerow([row.run_dir.name, row.overrides, *[row.value(c) for c in summary.columns]])
    table = summary.to_markdown()
    (sweep_dir / SUMMARY_MD).write_text(f"# Sweep {sweep_dir.name}\n\n{table}", encoding="utf-8")
    _plot(summary, sweep_dir / SUMMARY_PNG)
    if print_table:
        print(f"\nSweep summary ({len(summary.rows)} runs, {sweep_dir}):\n{table}", flush=True)
    return summary


def _plot(summary: SweepSummary, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    labels = [r.overrides or r.run_dir.name for r in summary.rows]
    values = [float(r.metrics.get("pass@1", 0.0)) for r in summary.rows]
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(labels)), 4))
    ax.bar(range(len(labels)), values, color="tab:blue")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass@1")
    ax.set_title("pass@1 across the sweep")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m crux_program.evaluation.multirun SWEEP_DIR")
    summarize_sweep(sys.argv[1])
