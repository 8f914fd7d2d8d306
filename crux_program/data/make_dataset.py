"""Build the synthetic dataset: generate, self-check every reference through sim/, split, write, summarise.

    python -m crux_program.data --size 2400 --out outputs/data/synthetic

writes `train.jsonl`, `val.jsonl`, `test_seen.jsonl` (seen families, unseen parameters),
`test_unseen.jsonl` (unseen families), `test.jsonl` (both test splits) and `summary.txt`.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crux_program.data.curriculum import SyntheticConfig, generate, is_extra_row
from crux_program.data.triplet import LEVELS, SPLITS, Triplet, write_jsonl
from crux_program.data.verify import SelfCheckConfig, timed_self_check

__all__ = ["DatasetSummary", "SyntheticConfig", "make_dataset", "summary_table"]


@dataclass
class DatasetSummary:
    """What a build produced: counts per (family, level, split), the self-check and the timing."""

    counts: Counter = field(default_factory=Counter)  # (family, level, split) -> examples
    references_checked: int = 0
    references_simulated: int = 0  # distinct designs up to renaming: one self-simulation each
    references_failed: int = 0
    failures: list[str] = field(default_factory=list)  # "family: status: feedback" of dropped references
    check_mode: str = "differential"
    check_seconds: float = 0.0
    seconds: float = 0.0
    out_dir: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def split_total(self, split: str) -> int:
        return sum(n for (_, _, s), n in self.counts.items() if s == split)

    def families_in(self, split: str) -> set[str]:
        return {f for (f, _, s), n in self.counts.items() if s == split and n}


def summary_table(summary: DatasetSummary) -> str:
    """Examples per family and split, then per level and split, with the self-check line."""
    fams = sorted({f for f, _, _ in summary.counts})
    head = f"{'family':<18}" + "".join(f"{s:>12}" for s in SPLITS) + f"{'total':>8}"
    rows = [head, "-" * len(head)]

    def row(label: str, key) -> str:
        cells = [sum(n for k, n in summary.counts.items() if key(k) and k[2] == s) for s in SPLITS]
        return f"{label:<18}" + "".join(f"{c:>12}" for c in cells) + f"{sum(cells):>8}"

    rows += [row(f, lambda k, f=f: k[0] == f) for f in fams]
    rows.append("-" * len(head))
    rows += [row(f"level={lv}", lambda k, lv=lv: k[1] == lv) for lv in LEVELS]
    rows.append(row("all", lambda k: True))
    rows.append(f"self-check ({summary.check_mode}): {summary.references_checked} references "
                f"({summary.references_simulated} simulations), {summary.references_failed} dropped, "
                f"{summary.check_seconds:.1f} s; "
                f"build {summary.seconds:.1f} s -> {summary.out_dir}")
    return "\n".join(rows)


def _write(out: Path, kept: list[Triplet], seed: int) -> None:
    # One RNG over the splits in order, as every dataset so far was written: so the test files' order depends on
    # how many rows the train split has. Augmentation rows (renamed copies, off-grid designs) are therefore left
    # out of that shuffle and mixed in with their own RNG: val and test stay byte-identical to a build without.
    rng = random.Random(seed)
    by_split = {s: [t for t in kept if t.split == s and not is_extra_row(t.task_id)] for s in SPLITS}
    for split, items in by_split.items():
        rng.shuffle(items)  # interleave designs so any prefix is a fair sample
        copies = [t for t in kept if t.split == split and is_extra_row(t.task_id)]
        if copies:
            items = items + copies
            random.Random(f"{seed}/{split}/copies").shuffle(items)
        write_jsonl(out / f"{split}.jsonl", items)
    write_jsonl(out / "test.jsonl", by_split["test_seen"] + by_split["test_unseen"])


def make_dataset(cfg: SyntheticConfig, progress: bool = False) -> DatasetSummary:
    """Generate the curriculum, keep examples whose reference passes its self-check, write the splits."""
    start = time.perf_counter()
    examples = generate(cfg)
    check = SelfCheckConfig(mode=cfg.check, jobs=cfg.jobs, diff_cycles=cfg.diff_cycles)
    references = list(dict.fromkeys(t.verilog for t in examples))
    verdicts, timing = timed_self_check(references, check, progress)
    passed = {ref for ref, v in zip(references, verdicts) if v.passed}
    kept = [t for t in examples if t.verilog in passed]
    family_of = {t.verilog: t.family for t in examples}
    summary = DatasetSummary(
        counts=Counter((t.family, t.level, t.split) for t in kept),
        references_checked=timing.references, references_simulated=timing.simulated,
        references_failed=len(references) - len(passed),
        failures=[f"{family_of[r]}: {v.status}: {v.feedback[:160]}" for r, v in zip(references, verdicts)
                  if not v.passed],
        check_mode=cfg.check, check_seconds=timing.seconds, out_dir=str(cfg.out_dir),
    )
    out = Path(cfg.out_dir)
    _write(out, kept, cfg.seed)
    summary.seconds = time.perf_counter() - start
    (out / "summary.txt").write_text(summary_table(summary) + "\n", encoding="utf-8")
    return summary
