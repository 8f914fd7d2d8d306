"""`compiler=sft`: supervised fine-tuning of the program's own local model on (spec, CRUX, Verilog) triplets.

Steps:
1. find the program's LocalLM and the HF folder behind it;
2. render every training example for every predictor exactly as the program's adapter renders it at inference
   (`optimizers.render`): for CruxPipeline spec -> CRUX and spec + CRUX -> Verilog, so both are trained;
3. train with TRL's SFTTrainer, loss on the answer only (`optimizers.sft_train`);
4. save the checkpoint in run_dir/checkpoint and return a deep copy of the program bound to it through
   `LocalLM.with_model(checkpoint)`; the valset is not used for training (evaluation happens outside).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import dspy

from optimizers.artifacts import save_compiled
from optimizers.base import Compiler, bound_lm, local_model_path
from optimizers.config import SFTSettings
from optimizers.render import RenderedExample, render_examples
from optimizers.sft_train import SFTReport, train_sft
from optimizers.time_budget import Budget


def write_rows(rows: Sequence[RenderedExample], path: Path) -> None:
    """The exact training rows, one JSON object per line (predictor, task_id, prompt, completion)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for r in rows:
            f.write(json.dumps({"predictor": r.predictor, "task_id": r.task_id, **r.to_row()}) + "\n")


def bind_checkpoint(program: dspy.Module, lm: dspy.BaseLM, checkpoint: Path) -> dspy.Module:
    """A deep copy of program whose predictors all run on lm.with_model(checkpoint)."""
    tuned = program.deepcopy()
    tuned.set_lm(lm.with_model(str(checkpoint)))
    return tuned


class SFTCompiler(Compiler):
    """Fine-tunes the program's local model on gold triplets rendered by the program's own adapter."""

    name = "sft"

    def __init__(self, settings: SFTSettings, run_dir: Path | str, adapter: dspy.Adapter | None = None) -> None:
        super().__init__(run_dir)
        self.settings = settings
        self.adapter = adapter
        self.report: SFTReport | None = None

    def time_cap(self) -> float | None:
        return self.settings.max_time_s

    def reuse_key(self) -> dict:
        return {"settings": asdict(self.settings), "adapter": type(self.adapter).__name__ if self.adapter else None}

    def compile(self, program: dspy.Module, trainset: Sequence[dspy.Example],
                valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> dspy.Module:
        start = time.perf_counter()
        lm = bound_lm(program)
        base = local_model_path(lm)
        if self.settings.max_examples is not None:
            trainset = list(trainset)[: self.settings.max_examples]
        rows = render_examples(program, trainset, self.settings.predictors, self.adapter)
        write_rows(rows, self.run_dir / "sft_data" / "train.jsonl")
        self.report = train_sft(base, rows, self.settings, self.run_dir, budget=budget)  # max_time_s: cut to fit
        tuned = bind_checkpoint(program, lm, Path(self.report.checkpoint))
        save_compiled(tuned, self.run_dir, compiler=self.name, model_path=Path(self.report.checkpoint),
                      base_model_path=base, train_examples=len(trainset),
                      seconds=time.perf_counter() - start, rows=len(rows), steps=self.report.steps,
                      train_loss=self.report.train_loss, tokens_per_s=self.report.tokens_per_s)
        return tuned
