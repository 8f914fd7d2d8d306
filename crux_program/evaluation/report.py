"""What an evaluation leaves in its run folder: metrics.json, per_problem.csv, report.md and report.png.

metrics.json holds `pass@1` (and `pass@k` for each requested k <= n), `n_problems`, `n_samples`,
`samples_per_problem`, `passed`, `status_counts` (every `sim.result.Status`, zeros included) and
`program_errors` (samples where the program raised, e.g. an unparseable answer), plus the run's labels, and
`missing_samples` / `missing` / `complete` (samples with no answer because the LM call failed).
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from crux_program.evaluation.passk import mean_pass_at_k, reportable_ks
from crux_program.evaluation.records import SampleRecord, VerdictRecord
from sim.result import REWARD_COMPONENTS, Status

METRICS_FILE = "metrics.json"
TABLE_FILE = "per_problem.csv"
REPORT_FILE = "report.md"
PLOT_FILE = "report.png"


def _simulator() -> str:
    from sim.cache import simulator_version

    return simulator_version()


@dataclass(frozen=True)
class ProblemScore:
    """How one problem fared: n samples, c passed, and the status of each sample."""

    task_id: str
    n: int
    c: int
    statuses: dict[str, int]

    @property
    def pass_rate(self) -> float:
        return self.c / self.n if self.n else 0.0


@dataclass
class EvalMetrics:
    """The headline numbers of one run (written as metrics.json)."""

    pass_at_k: dict[str, float]
    n_problems: int
    n_samples: int
    samples_per_problem: int
    passed: int
    status_counts: dict[str, int]
    program_errors: int = 0
    labels: dict[str, str] = field(default_factory=dict)  # what ran: program, lm, data, compiler
    # Mean partial credit over all samples (format, compile, functional; sim.result.RewardParts).
    mean_reward: dict[str, float] = field(default_factory=dict)
    # Samples with no answer because the LM call failed (`task_id#index`): not judged, not in the figures
    # above; while any are missing the figure is incomplete and a rerun in the same folder retries them.
    missing_samples: int = 0
    missing: list[str] = field(default_factory=list)
    complete: bool = True
    simulator: str = field(default_factory=lambda: _simulator())  # the Icarus release that judged every verdict
    # Programs that write a CRUX: the share of samples whose CRUX parsed, and whose interface agrees with the
    # reference's real ports, directions and widths in every check. None for programs without a CRUX.
    crux_parsed: float | None = None
    crux_interface_match: float | None = None

    @property
    def pass_at_1(self) -> float:
        return self.pass_at_k["pass@1"]

    def to_json(self) -> dict:
        d = asdict(self)
        return {**d.pop("pass_at_k"), **d}


def summarize(verdicts: Sequence[VerdictRecord], ks: Sequence[int], samples: Sequence[SampleRecord] = (),
              labels: dict[str, str] | None = None,
              missing: Sequence[SampleRecord] = ()) -> tuple[EvalMetrics, list[ProblemScore]]:
    """Turn verdicts into metrics and a per-problem table.

    missing: samples without an answer (the LM call failed); they are counted apart and mark the metrics
    incomplete. pass@k is then over the samples that were judged, k up to the fewest any problem has."""
    if not verdicts:
        raise ValueError("summarize: there are no verdicts; was the problem list empty (check data.limit)?")
    per_problem: dict[str, list[VerdictRecord]] = {}
    for v in verdicts:
        per_problem.setdefault(v.task_id, []).append(v)
    scores = [ProblemScore(tid, len(vs), sum(v.passed for v in vs), dict(Counter(v.status for v in vs)))
              for tid, vs in per_problem.items()]
    n = min(s.n for s in scores)
    ks = reportable_ks(n, [1, *ks])
    counts = Counter(v.status for v in verdicts)
    metrics = EvalMetrics(
        pass_at_k={f"pass@{k}": round(mean_pass_at_k([(s.n, s.c) for s in scores], k), 6) for k in ks},
        n_problems=len(scores), n_samples=len(verdicts), samples_per_problem=n,
        passed=sum(s.c for s in scores),
        status_counts={status.value: counts.get(status.value, 0) for status in Status},
        program_errors=sum(1 for s in samples if s.error), labels=dict(labels or {}),
        mean_reward={part: round(sum(getattr(v, f"reward_{part}") for v in verdicts) / len(verdicts), 4)
                     for part in REWARD_COMPONENTS},
        missing_samples=len(missing), missing=[m.key for m in missing], complete=not missing,
        **crux_shares(samples), **judged_by(verdicts))
    return metrics, scores


def judged_by(verdicts: Sequence[VerdictRecord]) -> dict[str, str]:
    """{"simulator": the build(s) named in the verdicts themselves}, or {} (the default: this process's build)
    when no verdict names one."""
    builds = sorted({v.simulator for v in verdicts if v.simulator})
    return {"simulator": ", ".join(builds)} if builds else {}


def crux_shares(samples: Sequence[SampleRecord]) -> dict[str, float | None]:
    """crux_parsed and crux_interface_match over the samples that carry CRUX figures (None when none do)."""
    rows = [s for s in samples if s.crux_parsed is not None]
    if not rows:
        return {"crux_parsed": None, "crux_interface_match": None}
    return {"crux_parsed": round(sum(bool(s.crux_parsed) for s in rows) / len(rows), 4),
            "crux_interface_match": round(sum((s.crux_interface or 0.0) >= 1.0 for s in rows) / len(rows), 4)}


def write_report(run_dir: Path, metrics: EvalMetrics, scores: Sequence[ProblemScore], title: str = "Evaluation") -> None:
    """Write metrics.json, per_problem.csv, report.md and report.png into `run_dir`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / METRICS_FILE).write_text(json.dumps(metrics.to_json(), indent=2) + "\n", encoding="utf-8")
    with (run_dir / TABLE_FILE).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["task_id", "n", "c", "pass_rate", "statuses"])
        for s in scores:
            writer.writerow([s.task_id, s.n, s.c, f"{s.pass_rate:.4f}",
                             " ".join(f"{k}={v}" for k, v in sorted(s.statuses.items()))])
    (run_dir / REPORT_FILE).write_text(render_markdown(metrics, scores, title), encoding="utf-8")
    plot(metrics, scores, run_dir / PLOT_FILE, title)


def render_markdown(metrics: EvalMetrics, scores: Sequence[ProblemScore], title: str) -> str:
    """The human-readable report: headline table, status counts, then one row per problem."""
    lines = [f"# {title}", ""]
    if metrics.labels:
        lines += [", ".join(f"{k}: `{v}`" for k, v in metrics.labels.items()), ""]
    if not metrics.complete:
        lines += [f"**Incomplete:** {metrics.missing_samples} sample(s) have no answer because the LM call failed "
                  f"({', '.join(metrics.missing[:10])}{' ...' if len(metrics.missing) > 10 else ''}); they are not "
                  "judged and not in the figures below. The same command in this run folder retries only them.", ""]
    lines += ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4f} |" for k, v in metrics.pass_at_k.items()]
    lines += [f"| problems | {metrics.n_problems} |", f"| samples | {metrics.n_samples} "
              f"({metrics.samples_per_problem} per problem) |", f"| passed samples | {metrics.passed} |",
              f"| program errors | {metrics.program_errors} |",
              f"| samples without an answer (LM call failed) | {metrics.missing_samples} |"]
    lines += [f"| mean {k} credit | {v:.4f} |" for k, v in metrics.mean_reward.items()]
    if metrics.crux_parsed is not None:
        lines += [f"| CRUX parsed | {metrics.crux_parsed:.4f} |",
                  f"| CRUX interface matches the reference | {metrics.crux_interface_match:.4f} |"]
    lines += ["", "## Verdicts by status", "",
              "| status | samples |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in metrics.status_counts.items()]
    lines += ["", "## Per problem", "", "| task_id | passed / n | statuses |", "|---|---|---|"]
    lines += [f"| {s.task_id} | {s.c} / {s.n} | "
              f"{', '.join(f'{k} {v}' for k, v in sorted(s.statuses.items()))} |" for s in scores]
    return "\n".join(lines) + "\n"


def plot(metrics: EvalMetrics, scores: Sequence[ProblemScore], path: Path, title: str) -> None:
    """Two panels: verdicts by status, and the distribution of per-problem pass rates."""
    import matplotlib
    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    names = list(metrics.status_counts)
    left.bar(names, [metrics.status_counts[n] for n in names], color=["tab:green"] + ["tab:red"] * (len(names) - 1))
    left.set_title("verdicts by status")
    left.set_ylabel("samples")
    left.tick_params(axis="x", labelrotation=45)
    right.hist([s.pass_rate for s in scores], bins=10, range=(0, 1), color="tab:blue")
    right.set_title(f"per-problem pass rate ({metrics.n_problems} problems)")
    right.set_xlabel("passed / n")
    right.set_ylabel("problems")
    fig.suptitle(f"{title}: " + ", ".join(f"{k} = {v:.3f}" for k, v in metrics.pass_at_k.items()))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
