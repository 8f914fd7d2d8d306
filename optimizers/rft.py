"""`compiler=rft`: rejection-sampling fine-tuning, DSPy's BootstrapFinetune idea done with local TRL training.

Steps:
1. sample: run the program `samples_per_example` times per training example at `temperature`, recording
   every predictor call (DSPy's trace: the predictor, the inputs it got, the outputs it gave);
2. filter: keep the runs whose final Verilog reaches `min_score` under the metric (the simulator);
3. render each kept call exactly as the adapter renders it (`optimizers.render.render_call`), so the model is
   trained on its own successful answers in the very context it produced them (for CruxPipeline its own
   CRUX feeds the code stage), optionally plus the gold rows;
4. fine-tune with `optimizers.sft_train.train_sft` and return the program bound to the new checkpoint.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import dspy
from dspy.utils.parallelizer import ParallelExecutor

from optimizers.artifacts import save_compiled
from optimizers.base import Compiler, bound_lm, local_model_path
from optimizers.config import RFTSettings
from optimizers.metric import resolve_metric, score_of
from optimizers.render import RenderedExample, render_call, render_examples, selected_predictors
from optimizers.sft import bind_checkpoint, write_rows
from optimizers.sft_train import SFTReport, train_sft

log = logging.getLogger(__name__)


@dataclass
class Sample:
    """One program run on one example: its score and its predictor calls (name, inputs, outputs)."""

    task_id: str
    score: float
    calls: list[tuple[str, dict, dict]]


class RFTCompiler(Compiler):
    """Sample with the program, keep what the simulator passes, fine-tune on it."""

    name = "rft"

    def __init__(self, settings: RFTSettings, run_dir: Path | str, metric: Callable[..., Any] | None = None,
                 sim: Any = None, adapter: dspy.Adapter | None = None) -> None:
        super().__init__(run_dir)
        self.settings = settings
        self.metric = resolve_metric(metric, sim, self.name)
        self.adapter = adapter
        self.report: SFTReport | None = None
        self.samples: list[Sample] = []

    def _sample_one(self, sampler: dspy.Module, names: dict[int, str], example: dspy.Example, draw: int) -> Sample:
        with dspy.context(trace=[]):
            pred = sampler(**example.inputs())
            trace = list(dspy.settings.trace)
        calls = [(names[id(p)], dict(inputs), dict(outputs.items())) for p, inputs, outputs in trace
                 if id(p) in names]
        calls += self._untraced_calls(sampler, example, pred, {c[0] for c in calls})
        score = score_of(self.metric(example, pred))
        return Sample(str(example.get("task_id", "")), score, calls)

    @staticmethod
    def _untraced_calls(sampler: dspy.Module, example: dspy.Example, pred: Any, traced: set[str]) -> list:
        """Calls DSPy could not trace because the answer missed the adapter's format (the modules then pass the
        raw text on). When the final prediction holds all of such a predictor's outputs (its `verilog`), the
        call is rebuilt from the example and the prediction, so a passing raw answer is trained on in the
        adapter's format: the model learns the content it got right and the format it got wrong."""
        calls = []
        for name, predictor in sampler.named_predictors():
            if name in traced or not all(pred.get(k) for k in predictor.signature.output_fields):
                continue
            inputs = {}
            for k in predictor.signature.input_fields:  # CruxPipeline passes its CRUX on as markdown
                value = example.get(k) if k in example.inputs() else pred.get(f"{k}_markdown", pred.get(k))
                inputs[k] = value
            if all(v is not None for v in inputs.values()):
                calls.append((name, inputs, {k: pred[k] for k in predictor.signature.output_fields}))
        return calls

    def sample(self, program: dspy.Module, trainset: Sequence[dspy.Example]) -> list[Sample]:
        """Run the program on every example `samples_per_example` times at the sampling temperature."""
        s = self.settings
        lm = bound_lm(program)
        sampler = program.deepcopy()
        # Cache off: a cached answer would repeat one draw; LocalLM seeds each repeat of a prompt differently.
        sampler.set_lm(lm.copy(temperature=s.temperature, cache=False))
        names = {id(p): n for n, p in sampler.named_predictors()}
        jobs = [(ex, draw) for ex in trainset for draw in range(s.samples_per_example)]
        executor = ParallelExecutor(num_threads=s.num_threads, disable_progress_bar=True, max_errors=len(jobs) + 1)
        results = executor.execute(lambda job: self._sample_one(sampler, names, *job), jobs)
        return [r for r in results if r is not None]

    def kept_rows(self, program: dspy.Module, samples: Sequence[Sample]) -> list[RenderedExample]:
        """Each call of each passing sample, rendered with the original program's predictors and adapter."""
        predictors = dict(selected_predictors(program, self.settings.sft.predictors))
        rows = []
        for sample in samples:
            if sample.score < self.settings.min_score:
                continue
            for name, inputs, outputs in sample.calls:
                if name in predictors:
                    prompt, completion = render_call(predictors[name], inputs, outputs, self.adapter)
                    rows.append(RenderedExample(name, sample.task_id, prompt, completion))
        return rows

    def compile(self, program: dspy.Module, trainset: Sequence[dspy.Example],
                valset: Sequence[dspy.Example] | None = None) -> dspy.Module:
        start = time.perf_counter()
        lm = bound_lm(program)
        base = local_model_path(lm)
        self.samples = self.sample(program, trainset)
        passed = sum(s.score >= self.settings.min_score for s in self.samples)
        (self.run_dir / "samples.jsonl").write_text("".join(
            json.dumps({"task_id": s.task_id, "score": s.score, "calls": [c[0] for c in s.calls]}) + "\n"
            for s in self.samples))
        rows = self.kept_rows(program, self.samples)
        if self.settings.include_gold:
            rows += render_examples(program, trainset, self.settings.sft.predictors, self.adapter)
        log.info("RFT kept %d of %d samples (%d rows)", passed, len(self.samples), len(rows))
        write_rows(rows, self.run_dir / "sft_data" / "train.jsonl")
        self.report = train_sft(base, rows, self.settings.sft, self.run_dir)
        tuned = bind_checkpoint(program, lm, Path(self.report.checkpoint))
        save_compiled(tuned, self.run_dir, compiler=self.name, model_path=Path(self.report.checkpoint),
                      base_model_path=base, train_examples=len(trainset), seconds=time.perf_counter() - start,
                      samples=len(self.samples), kept=passed, rows=len(rows), steps=self.report.steps)
        return tuned
