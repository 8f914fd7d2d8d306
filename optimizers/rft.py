"""`compiler=rft`: rejection-sampling fine-tuning, DSPy's BootstrapFinetune idea done with local TRL training.

Steps:
1. sample: run the program `samples_per_example` times per training example at `temperature`, recording
   every predictor call (DSPy's trace: the predictor, the inputs it got, the outputs it gave);
2. filter: keep the runs whose final Verilog reaches `min_score` under the metric (the simulator);
3. render each kept call exactly as the adapter renders it (`optimizers.render.render_call`), so the model is
   trained on its own successful answers in the very context it produced them (for CruxPipeline its own
   CRUX feeds the code stage), optionally plus the gold rows;
4. fine-tune with `optimizers.sft_train.train_sft` and return the program bound to the new checkpoint.

A sample whose run raised (the LM server down, a bug) scores 0 and keeps its error in samples.jsonl, which is
written as samples finish; when every run fails, RFT stops and says why instead of training on nothing. A CRUX
call whose fields do not make a valid CRUX is never trained on, even when the code after it passed.
`max_time_s` caps the whole compile (or the time an overall `budget` leaves, if less): sampling stops starting runs
at `sample_fraction` of it, and training gets what is left.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, replace
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
from optimizers.time_budget import Budget

log = logging.getLogger(__name__)


@dataclass
class Sample:
    """One program run on one example: its score and its predictor calls (name, inputs, outputs)."""

    task_id: str
    score: float
    calls: list[tuple[str, dict, dict]]
    error: str = ""  # why the run raised (then score 0 and no calls)


class RFTCompiler(Compiler):
    """Sample with the program, keep what the simulator passes, fine-tune on it."""

    name = "rft"

    def __init__(self, settings: RFTSettings, run_dir: Path | str, metric: Callable[..., Any] | None = None,
                 sim: Any = None, adapter: dspy.Adapter | None = None) -> None:
        super().__init__(run_dir)
        self.settings = settings
        self.metric = resolve_metric(metric, sim, self.name)
        self.adapter, self.sim = adapter, sim
        self.report: SFTReport | None = None
        self.samples: list[Sample] = []

    def time_cap(self) -> float | None:
        return self.settings.max_time_s

    def reuse_key(self) -> dict:
        metric = getattr(self.metric, "__qualname__", type(self.metric).__qualname__)
        sim = self.sim.cache_key_fields() if hasattr(self.sim, "cache_key_fields") else None
        from sim.cache import JUDGE_VERSION

        return {"settings": asdict(self.settings), "metric": metric, "sim": sim, "judge": JUDGE_VERSION,
                "adapter": type(self.adapter).__name__ if self.adapter else None}

    def _sample_one(self, sampler: dspy.Module, names: dict[int, str], example: dspy.Example, draw: int) -> Sample:
        task_id = str(example.get("task_id", ""))
        try:
            with dspy.context(trace=[]):
                pred = sampler(**example.inputs())
                trace = list(dspy.settings.trace)
            calls = [(names[id(p)], dict(inputs), dict(outputs.items())) for p, inputs, outputs in trace
                     if id(p) in names and not _invalid_crux_call(p, pred)]
            calls += self._untraced_calls(sampler, example, pred, {c[0] for c in calls})
            return Sample(task_id, score_of(self.metric(example, pred)), calls)
        except Exception as err:  # noqa: BLE001 - one failed run is a zero-score sample, counted and shown
            return Sample(task_id, 0.0, [], error=f"{type(err).__name__}: {err}")

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

    def sample(self, program: dspy.Module, trainset: Sequence[dspy.Example],
               stop_at: float | None = None) -> list[Sample]:
        """Run the program on every example `samples_per_example` times at the sampling temperature.

        Each sample is appended to run_dir/samples.jsonl as it finishes. stop_at: a `time.perf_counter()` time
        after which no new run starts. Raises when every run failed (the first error says why)."""
        s = self.settings
        lm = bound_lm(program)
        sampler = program.deepcopy()
        # Cache off: a cached answer would repeat one draw; LocalLM seeds each repeat of a prompt differently.
        sampler.set_lm(lm.copy(temperature=s.temperature, cache=False))
        names = {id(p): n for n, p in sampler.named_predictors()}
        jobs = [(ex, draw) for ex in trainset for draw in range(s.samples_per_example)]
        log_file, lock = self.run_dir / "samples.jsonl", threading.Lock()
        log_file.write_text("")

        def run(job) -> Sample | None:
            if stop_at is not None and time.perf_counter() > stop_at:
                return None  # out of sampling time: the job is skipped, not failed
            sample = self._sample_one(sampler, names, *job)
            record = {"task_id": sample.task_id, "draw": job[1], "score": sample.score,
                      "calls": [c[0] for c in sample.calls], "error": sample.error}
            with lock, log_file.open("a") as f:
                f.write(json.dumps(record) + "\n")
            return sample

        executor = ParallelExecutor(num_threads=s.num_threads, disable_progress_bar=True)
        samples = [r for r in executor.execute(run, jobs) if r is not None]
        failed = [x for x in samples if x.error]
        if samples and len(failed) == len(samples):
            raise RuntimeError(f"All {len(samples)} RFT samples failed; the first: {failed[0].error}. Check that "
                               "the program's LM answers (a server that is down, a model folder that is wrong).")
        if failed:
            log.warning("%d of %d RFT samples failed (scored 0); errors in %s", len(failed), len(samples), log_file)
        if len(samples) < len(jobs):
            log.warning("RFT sampling ran out of time: %d of %d runs done", len(samples), len(jobs))
        return samples

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
                valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> dspy.Module:
        start = time.perf_counter()
        lm = bound_lm(program)
        base = local_model_path(lm)
        ends = self._own_budget(budget)
        stop_at = None if ends is None else start + (ends.ends_at - start) * self.settings.sample_fraction
        self.samples = self.sample(program, trainset, stop_at)
        passed = sum(s.score >= self.settings.min_score for s in self.samples)
        rows = self.kept_rows(program, self.samples)
        if self.settings.include_gold:
            rows += render_examples(program, trainset, self.settings.sft.predictors, self.adapter)
        log.info("RFT kept %d of %d samples (%d rows)", passed, len(self.samples), len(rows))
        write_rows(rows, self.run_dir / "sft_data" / "train.jsonl")
        sft = self.settings.sft
        if ends is not None:  # training gets the time left; its TrainingClock also ends it within `ends`
            sft = replace(sft, max_time_s=max(ends.left(), 1.0))
        self.report = train_sft(base, rows, sft, self.run_dir, budget=ends)
        tuned = bind_checkpoint(program, lm, Path(self.report.checkpoint))
        save_compiled(tuned, self.run_dir, compiler=self.name, model_path=Path(self.report.checkpoint),
                      base_model_path=base, train_examples=len(trainset), seconds=time.perf_counter() - start,
                      samples=len(self.samples), kept=passed, rows=len(rows), steps=self.report.steps)
        return tuned

    def _own_budget(self, budget: Budget | None) -> Budget | None:
        """When this compile must end: max_time_s from now, or the overall budget's end if sooner; None when
        max_time_s is not set (then an overall budget does not bound it either)."""
        cap = self.settings.max_time_s if budget is None else budget.cap(self.settings.max_time_s)
        return None if cap is None else Budget.starting_now(cap)


def _invalid_crux_call(predictor: dspy.Predict, pred: Any) -> bool:
    """A CRUX writer's call whose fields did not make a valid CRUX (CruxPipeline sets `crux_error`)."""
    return bool(pred.get("crux_error")) and "interface" in predictor.signature.output_fields
