"""After a `-m` sweep: one table (and plot) across the runs, read from each run's metrics.json.

`python run.py -m program=crux,direct` calls `summarize_sweep(sweep_dir)` when the sweep ends (a Hydra callback
in run.py, configured in conf/hydra/default.yaml); it can also be run by hand on any sweep folder:

    python -m crux_program.evaluation.multirun outputs/eval/multirun_2026-01-01_12-00-00_1234-ab12

The table and the plot show only the settings that vary between the runs (one column each; what every run
shares is listed once above the table), and the compiler that actually ran in each (a training compiler that
had nothing to train on reports "none"). summary.csv holds the same columns plus each run's full overrides,
with Hydra's escapes (`http\\://`) removed.
"""
from __future__ import annotations

import csv
import json
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from crux_program.evaluation.report import METRICS_FILE
from sim.result import REWARD_COMPONENTS

SUMMARY_CSV = "summary.csv"
SUMMARY_MD = "summary.md"
SUMMARY_PNG = "summary.png"
_ESCAPED = re.compile(r"\\(.)")  # Hydra writes a sweep job's special characters escaped: http\://host


@dataclass(frozen=True)
class RunRow:
    """One run of the sweep: its folder, the overrides that made it (key -> value), and its metrics."""

    run_dir: Path
    settings: dict[str, str]
    metrics: dict

    @property
    def overrides(self) -> str:
        """The run's overrides as one command-line string (unescaped)."""
        return " ".join(f"{k}={v}" for k, v in self.settings.items())

    @property
    def compiler(self) -> str:
        """The compiler that ran (metrics.json's labels), '' for runs written before labels existed."""
        return str((self.metrics.get("labels") or {}).get("compiler", ""))

    def value(self, key: str) -> str:
        if key.startswith("mean "):  # partial credit: metrics.json's mean_reward.{format,compile,functional}
            v = (self.metrics.get("mean_reward") or {}).get(key[5:], "")
        else:
            v = self.metrics.get(key, "")
        return f"{v:.4f}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class SweepSummary:
    """All runs of a sweep, in job order; the settings that vary between them; the metric columns shown."""

    rows: list[RunRow]
    columns: list[str]
    varying: list[str]
    shared: dict[str, str]

    def label(self, row: RunRow) -> str:
        """What sets this run apart: its varying settings (its folder name when nothing varies)."""
        return " ".join(f"{k}={row.settings.get(k, '(default)')}" for k in self.varying) or row.run_dir.name

    def header(self) -> list[str]:
        return ["run", *self.varying, "compiler ran", *self.columns]

    def cells(self, row: RunRow) -> list[str]:
        return [row.run_dir.name, *[row.settings.get(k, "(default)") for k in self.varying], row.compiler or "-",
                *[row.value(c) for c in self.columns]]

    def to_markdown(self) -> str:
        lines = []
        if self.shared:
            lines += ["Every run: `" + " ".join(f"{k}={v}" for k, v in self.shared.items()) + "`", ""]
        lines += ["| " + " | ".join(self.header()) + " |", "|" + "---|" * len(self.header())]
        lines += ["| " + " | ".join(self.cells(row)) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def parse_overrides(overrides: list[str]) -> dict[str, str]:
    """`["lm.api_base=http\\://h", "program=crux"]` -> {"lm.api_base": "http://h", "program": "crux"}."""
    settings: dict[str, str] = {}
    for item in overrides:
        key, _, value = str(item).partition("=")
        settings[key] = _ESCAPED.sub(r"\1", value)
    return settings


def _settings(run_dir: Path) -> dict[str, str]:
    """The job's own command-line overrides, as Hydra recorded them in .hydra/overrides.yaml."""
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.exists():
        return {}
    return parse_overrides(yaml.safe_load(path.read_text(encoding="utf-8")) or [])


def _job_order(path: Path) -> tuple:
    return (0, int(path.name), "") if path.name.isdigit() else (1, 0, path.name)


def collect_runs(sweep_dir: Path) -> SweepSummary:
    """Read every run folder's metrics.json under `sweep_dir` (one level down, as Hydra lays out sweeps)."""
    runs = sorted((p.parent for p in Path(sweep_dir).glob(f"*/{METRICS_FILE}")), key=_job_order)
    rows = [RunRow(d, _settings(d), json.loads((d / METRICS_FILE).read_text(encoding="utf-8"))) for d in runs]
    keys = list(dict.fromkeys(k for r in rows for k in r.settings))
    varying = [k for k in keys if len({r.settings.get(k) for r in rows}) > 1]
    shared = {k: rows[0].settings[k] for k in keys if k not in varying}
    pass_keys = sorted({k for r in rows for k in r.metrics if k.startswith("pass@")}, key=lambda k: int(k[5:]))
    credit = [f"mean {p}" for p in REWARD_COMPONENTS
              if any(p in (r.metrics.get("mean_reward") or {}) for r in rows)]
    columns = [*pass_keys, *credit, "n_problems", "n_samples", "passed"]
    return SweepSummary(rows, columns, varying, shared)


def summarize_sweep(sweep_dir: Path | str, print_table: bool = True) -> SweepSummary:
    """Write summary.csv, summary.md and summary.png into `sweep_dir` and print the table."""
    sweep_dir = Path(sweep_dir)
    summary = collect_runs(sweep_dir)
    if not summary.rows:
        print(f"sweep summary: no run under {sweep_dir} wrote {METRICS_FILE} (did every job fail?)")
        return summary
    with (sweep_dir / SUMMARY_CSV).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*summary.header(), "overrides"])
        for row in summary.rows:
            writer.writerow([*summary.cells(row), row.overrides])
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

    # One line per varying setting (a long one breaks after its "="): every label stays whole and readable.
    labels = ["\n".join(_wrap(part) for part in summary.label(r).split(" ")) for r in summary.rows]
    values = [float(r.metrics.get("pass@1", 0.0)) for r in summary.rows]
    lines = max(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.8 * len(labels)), 3.5 + 0.25 * lines))
    bars = ax.bar(range(len(labels)), values, color="tab:blue")
    ax.bar_label(bars, [f"{v:.3f}" for v in values], fontsize=8)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass@1")
    ax.set_title("pass@1 across the sweep" + ("\n(settings every run shares: summary.md)" if summary.shared else ""),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _wrap(setting: str, width: int = 24) -> str:
    """`key=value` on one line, or broken after `=` (and the value wrapped) when longer than `width`."""
    if len(setting) <= width:
        return setting
    key, _, value = setting.partition("=")
    return "\n".join([f"{key}=", *textwrap.wrap(value, width, break_on_hyphens=False)])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m crux_program.evaluation.multirun SWEEP_DIR")
    summarize_sweep(sys.argv[1])
