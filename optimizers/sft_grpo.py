"""`compiler=sft_grpo`: the paper's two-stage pipeline, SFT then dual-space GRPO from the SFT checkpoint.

Each stage is a full compiler with its own folder, so both checkpoints and both stages' metrics are kept:

    run_dir/sft/   checkpoint/, train_log.jsonl, sft_report.json, compiled.json (the SFT compiler's files)
    run_dir/grpo/  checkpoint/, train_log.jsonl, grpo_report.json, compiled.json
    run_dir/       compiled.json naming the final (GRPO) checkpoint, program.json, stages.json

The stages come in as factories `f(run_dir=...) -> Compiler` (Hydra's `_partial_: true`, or functools.partial),
so this file does not depend on either stage's settings. Under an overall `budget`, each time-capped stage gets
the share of the time left that its cap has among the caps of the stages still to run.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import dspy

from optimizers.artifacts import read_manifest, save_compiled
from optimizers.base import Compiler, bound_lm, local_model_path
from optimizers.reuse import compile_or_reuse
from optimizers.time_budget import Budget

StageFactory = Callable[..., Compiler]


@dataclass
class StageRecord:
    """One stage as run: its name, folder, checkpoint and wall time, plus the stage's own report if any."""

    name: str
    run_dir: str
    checkpoint: str | None
    seconds: float  # training wall time (for a reused stage: that of the run that trained it)
    report: dict | None
    reused: bool = False  # loaded from a finished earlier run into the same folder (optimizers.reuse)


class SFTGRPOCompiler(Compiler):
    """SFT (`sft`) then GRPO (`grpo`) starting from the SFT checkpoint; see the module docstring."""

    name = "sft_grpo"

    stage_names = ("sft", "grpo")

    # reuse_key() stays None: the pipeline itself always runs, and each of its stages is reused on its own

    def __init__(self, sft: StageFactory, grpo: StageFactory, run_dir: Path | str) -> None:
        super().__init__(run_dir)
        self.sft_factory, self.grpo_factory = sft, grpo
        self.stages: list[StageRecord] = []

    def time_cap(self) -> float | None:
        caps = [c for name, factory in self._factories() if (c := factory(run_dir=self.run_dir / name).time_cap())]
        return sum(caps) if caps else None  # a budget applies when at least one stage is bounded by time

    def _factories(self) -> list[tuple[str, StageFactory]]:
        return list(zip(self.stage_names, (self.sft_factory, self.grpo_factory)))

    def compile(self, program: dspy.Module, trainset: Sequence[dspy.Example],
                valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> dspy.Module:
        start = time.perf_counter()
        base = local_model_path(bound_lm(program))
        current = program
        compilers = [(name, factory(run_dir=self.run_dir / name)) for name, factory in self._factories()]
        for i, (name, compiler) in enumerate(compilers):
            share = stage_budget(budget, compiler, [c for _, c in compilers[i:]])
            current = self._stage(name, compiler, current, trainset, valset, share)
        final = self.stages[-1].checkpoint
        save_compiled(current, self.run_dir, compiler=self.name, model_path=Path(final) if final else None,
                      base_model_path=base, train_examples=len(trainset), seconds=time.perf_counter() - start,
                      stages=[asdict(s) for s in self.stages])
        (self.run_dir / "stages.json").write_text(json.dumps([asdict(s) for s in self.stages], indent=2))
        return current

    def _stage(self, name: str, compiler: Compiler, program: dspy.Module, trainset, valset,
               budget: Budget | None) -> dspy.Module:
        """Run one stage, or reuse it when a rerun into this folder finds it finished with the same inputs
        (an interrupted GRPO stage keeps its SFT stage); see `optimizers.reuse`."""
        stage_dir = self.run_dir / name
        outcome = compile_or_reuse(compiler, program, trainset, valset, budget=budget)
        self.stages.append(StageRecord(name=name, run_dir=str(stage_dir),
                                       checkpoint=read_manifest(stage_dir).model_path, seconds=outcome.seconds,
                                       report=outcome.report, reused=outcome.reused))
        return outcome.program


def stage_budget(budget: Budget | None, stage: Compiler, remaining: Sequence[Compiler]) -> Budget | None:
    """The part of an overall budget a stage gets when it starts: the share of the time left that its own cap has
    among the caps of the stages still to run, itself included (360 s + 180 s caps: 2/3 of what is left, then
    all that is left then), or all of it when one of them has no cap. None when there is no budget or the stage
    is not capped by time (training bounded by steps is never cut)."""
    cap = stage.time_cap()
    if budget is None or cap is None:
        return None
    caps = [c.time_cap() for c in remaining]
    return budget.split(1.0 if None in caps else cap / sum(caps))
