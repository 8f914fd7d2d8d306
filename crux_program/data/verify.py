"""Self-check of references through sim/: a reference is kept only if it passes against itself.

Differential mode compiles the reference next to a renamed copy of itself and drives both with the same
random stimulus (sim/ differential), so a kept reference is known to parse, elaborate, simulate without
hanging and be deterministic: exactly what every later differential judgement relies on. Identical texts are
checked once; all checks of a batch go through one `Verifier.check_many` call (parallel over cores).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Sequence

from crux_program.data.triplet import top_module

CHECK_MODES = ("differential", "compile", "none")


@dataclass(frozen=True)
class SelfCheck:
    """Verdict on one reference text."""

    passed: bool
    status: str  # sim Status value, "compile_error"/"pass" in compile mode, "skipped" in mode none
    feedback: str = ""


@dataclass(frozen=True)
class SelfCheckConfig:
    """How references are checked.

    mode: "differential" (through sim.core.Verifier), "compile" (plain iverilog, for quick iteration),
        or "none" (trust the generator; never for datasets you publish).
    jobs: worker processes (0 = all cores). diff_cycles: random cycles per self-simulation.
    timeout_s: wall-clock limit of one simulation.
    """

    mode: str = "differential"
    jobs: int = 0
    diff_cycles: int = 200
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.mode not in CHECK_MODES:
            raise ValueError(f"SelfCheckConfig.mode={self.mode!r}: choose one of {CHECK_MODES}")


def _iverilog_compile(verilog: str) -> SelfCheck:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "ref.v")
        with open(src, "w", encoding="utf-8") as f:
            f.write(verilog)
        proc = subprocess.run(["iverilog", "-g2012", "-o", os.path.join(tmp, "a.out"), src],
                              capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        return SelfCheck(True, "pass")
    return SelfCheck(False, "compile_error", (proc.stderr or proc.stdout).strip()[:300])


def _differential(texts: list[str], cfg: SelfCheckConfig, progress: bool) -> list[SelfCheck]:
    from sim.config import SimConfig
    from sim.core import Verifier
    from sim.problem import Problem

    items, slots = [], []
    out: list[SelfCheck | None] = [None] * len(texts)
    for i, text in enumerate(texts):
        try:
            top = top_module(text)
        except ValueError as exc:
            out[i] = SelfCheck(False, "no_code", str(exc))
            continue
        problem = Problem(task_id=f"selfcheck/{i}", spec="", reference=text, top=top, source="selfcheck")
        items.append((problem, text))
        slots.append(i)
    sim_cfg = SimConfig(mode="differential", jobs=cfg.jobs, diff_cycles=cfg.diff_cycles, timeout_s=cfg.timeout_s)
    with Verifier(sim_cfg) as verifier:
        results = verifier.check_many(items, progress=progress)
    for i, res in zip(slots, results):
        out[i] = SelfCheck(res.passed, res.status.value, res.feedback)
    return [o for o in out if o is not None]


def self_check(references: Sequence[str], cfg: SelfCheckConfig = SelfCheckConfig(),
               progress: bool = False) -> list[SelfCheck]:
    """One verdict per reference (input order); identical texts are simulated once."""
    unique = list(dict.fromkeys(references))
    if cfg.mode == "none":
        verdicts = [SelfCheck(True, "skipped") for _ in unique]
    elif cfg.mode == "compile":
        verdicts = [_iverilog_compile(t) for t in unique]
    else:
        verdicts = _differential(unique, cfg, progress)
    by_text = dict(zip(unique, verdicts))
    return [by_text[t] for t in references]


@dataclass(frozen=True)
class CheckTiming:
    """How long a self-check batch took (for the dataset summary)."""

    references: int
    seconds: float


def timed_self_check(references: Sequence[str], cfg: SelfCheckConfig,
                     progress: bool = False) -> tuple[list[SelfCheck], CheckTiming]:
    """`self_check` plus its wall time and the number of distinct texts checked."""
    start = time.perf_counter()
    verdicts = self_check(references, cfg, progress)
    return verdicts, CheckTiming(len(set(references)), time.perf_counter() - start)
