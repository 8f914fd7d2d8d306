"""The evaluation runner: n samples per problem through a DSPy program, scored by the simulator as they come.

Generation runs on `num_threads` threads (a batching local LM serves them together); a scorer thread takes
finished samples in batches and scores them with `Verifier.check_many` (parallel over cores), so simulation
overlaps generation. Every sample is appended to `samples.jsonl` when it is produced and every verdict to
`verdicts.jsonl` when it is known; a rerun in the same folder only does what is missing.
"""
from __future__ import annotations

import inspect
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from pathlib import Path
from typing import Sequence

import dspy
from tqdm.auto import tqdm

from crux_program.evaluation.config import EvalConfig
from crux_program.evaluation.fingerprint import run_fingerprint, set_aside_if_changed
from crux_program.evaluation.records import (SAMPLES_FILE, VERDICTS_FILE, JsonlAppender, SampleRecord,
                                             VerdictRecord, read_jsonl)
from crux_program.evaluation.truncation import collapse_truncation_warnings
from crux_program.lm.seeds import derive_seed
from sim.problem import Problem

log = logging.getLogger(__name__)

_DONE = object()  # tells the scorer thread that no more samples will come


def takes_problem(program: dspy.Module) -> bool:
    """Whether `program.forward` names a `problem` parameter: such programs get the `Problem` beside its spec
    (VerilogEval's official reader needs the code-complete interface)."""
    try:
        # through the class: DSPy warns on every instance lookup of `forward` outside `__call__`
        return "problem" in inspect.signature(type(program).forward).parameters
    except (TypeError, ValueError):
        return False


def sample_seed(base_seed: int, index: int) -> int:
    """The seed of sample `index` of a problem (same in every run and process; fits a signed 32-bit int,
    which OpenAI-compatible servers accept)."""
    return derive_seed(base_seed, "eval-sample", index) & 0x7FFF_FFFF


class EvalRunner:
    """Runs `program` on problems and scores its outputs with `verifier` (a `sim.core.Verifier`).

    lm: the LM for predictors that have none of their own; None uses the globally configured one
    (`dspy.configure(lm=...)`). Predictors bound to their own LM keep it (e.g. CRUX from model A,
    Verilog from model B); the run's sampling settings are applied to every LM.
    """

    def __init__(self, program: dspy.Module, verifier, config: EvalConfig, run_dir: Path | str,
                 lm: dspy.BaseLM | None = None) -> None:
        self.program = program
        self.verifier = verifier
        self.config = config
        self.run_dir = Path(run_dir)
        self.lm = lm
        # Samples of the last run() with no answer because the LM call failed: neither judged nor counted as
        # the model's failures; a rerun in the same folder draws them again.
        self.missing: list[SampleRecord] = []

    @property
    def samples_path(self) -> Path:
        return self.run_dir / SAMPLES_FILE

    @property
    def verdicts_path(self) -> Path:
        return self.run_dir / VERDICTS_FILE

    def run(self, problems: Sequence[Problem]) -> list[VerdictRecord]:
        """Evaluate every problem; returns one verdict per (problem, sample) that has an answer, in problem
        order. Samples whose LM call failed have none: they are listed in `self.missing`."""
        by_id = {p.task_id: p for p in problems}
        if len(by_id) != len(problems):
            raise ValueError("EvalRunner.run: duplicate task ids in the problem list; give each problem its own id")
        wanted = {(p.task_id, i) for p in problems for i in range(self.config.n_samples)}
        if self.config.resume:
            fingerprint = run_fingerprint(self.program, self.lm, self.config.n_samples, self.config.sampling_kwargs())
            moved = set_aside_if_changed(self.run_dir, fingerprint, [self.samples_path, self.verdicts_path])
            if moved is not None:
                log.warning("%s held samples from another model or settings (the checkpoint was retrained, or lm, "
                            "program or sampling changed); moved them to %s and starting fresh.", self.run_dir,
                            moved)
        samples, verdicts = self._load_previous(wanted)
        to_score = [samples[key] for key in sorted(samples) if key not in verdicts]
        to_generate = [(p, i) for p in problems for i in range(self.config.n_samples) if (p.task_id, i) not in samples]
        if samples:
            log.info("resuming in %s: %d samples and %d verdicts already there", self.run_dir, len(samples),
                     len(verdicts))

        self.run_dir.mkdir(parents=True, exist_ok=True)
        fresh = not self.config.resume
        with JsonlAppender(self.samples_path, fresh) as sample_log, \
                JsonlAppender(self.verdicts_path, fresh) as verdict_log, collapse_truncation_warnings():
            bar = tqdm(total=len(wanted), initial=len(verdicts), desc="eval", unit="sample",
                       disable=not self.config.progress, dynamic_ncols=True)
            scorer = _Scorer(self.verifier, by_id, verdict_log, verdicts, bar)
            scorer.start()
            try:
                for record in to_score:
                    scorer.submit(record)
                new_samples = self._generate_all(to_generate, sample_log, scorer)
            finally:
                scorer.finish()
                bar.close()
        self._check_program_errors(new_samples, judged=len(verdicts))
        self.missing = [r for r in new_samples if r.no_answer]
        if self.missing:
            log.warning("%d of %d samples have no answer because the LM call failed (first: %s); they are not "
                        "judged, and the same command with hydra.run.dir=%s retries them", len(self.missing),
                        len(wanted), self.missing[0].error, self.run_dir)
        keys = [(p.task_id, i) for p in problems for i in range(self.config.n_samples)]
        return [verdicts[key] for key in keys if key in verdicts]

    def _load_previous(self, wanted: set) -> tuple[dict, dict]:
        if not self.config.resume:
            return {}, {}
        samples: dict[tuple[str, int], SampleRecord] = {}
        for row in read_jsonl(self.samples_path):
            rec = SampleRecord.from_json(row)
            if rec.error and not rec.error.startswith("AdapterParseError"):
                continue  # not the model's answer (server down, bad api_base): draw it again
            samples.setdefault((rec.task_id, rec.sample_index), rec)
        verdicts: dict[tuple[str, int], VerdictRecord] = {}
        for row in read_jsonl(self.verdicts_path):
            rec = VerdictRecord.from_json(row)
            if (rec.task_id, rec.sample_index) in samples:  # a verdict without its sample is redone
                verdicts.setdefault((rec.task_id, rec.sample_index), rec)
        samples = {k: v for k, v in samples.items() if k in wanted}
        verdicts = {k: v for k, v in verdicts.items() if k in wanted}
        return samples, verdicts

    def _generate_all(self, todo: list[tuple[Problem, int]], sample_log: JsonlAppender,
                      scorer: "_Scorer") -> list[SampleRecord]:
        if not todo:
            return []
        programs = self._sampling_programs({i for _, i in todo})
        context_lm = self.lm or dspy.settings.lm
        with_problem = takes_problem(self.program)
        produced = []
        with ThreadPoolExecutor(max_workers=self.config.num_threads, thread_name_prefix="eval") as pool:
            futures = [pool.submit(self._generate_one, programs[i], self._sampling_lm(context_lm, i), p, i,
                                   with_problem) for p, i in todo]
            try:
                for future in as_completed(futures):
                    record = future.result()
                    sample_log.append(record.to_json())
                    if not record.no_answer:  # a failed LM call is not the model's failure: nothing to judge
                        scorer.submit(record)
                    produced.append(record)
                    scorer.raise_if_failed()
            except BaseException:  # Ctrl-C or a failed scorer: drop the queued samples, keep what was written
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        return produced

    def _sampling_lm(self, lm: dspy.BaseLM | None, index: int) -> dspy.BaseLM | None:
        """A shallow copy of `lm` with this run's sampling settings.

        With several samples per problem each sample index gets its own seed, derived from the LM's seed and
        the index: a server (vLLM) answers identical seeded requests identically, so one shared seed would
        make n=20 twenty copies of one sample, and a rerun that resumes must draw sample i as the first run
        did. A rollout id also keeps the samples apart in DSPy's cache."""
        if lm is None:
            return None
        kwargs = self.config.sampling_kwargs()
        if self.config.n_samples > 1:
            kwargs["rollout_id"] = index
            base = getattr(lm, "kwargs", {}).get("seed")
            kwargs["seed"] = sample_seed(0 if base is None else int(base), index)
        return lm.copy(**kwargs) if kwargs else lm

    def _sampling_programs(self, indices: set[int]) -> dict[int, dspy.Module]:
        """One copy of the program per sample index, its predictors' own LMs swapped for sampling copies.

        LMs are detached before copying: a deep copy of a local model's weights would be wasted memory."""
        predictors = dict(self.program.named_predictors())
        own_lms = {name: pred.lm for name, pred in predictors.items()}
        for pred in predictors.values():
            pred.lm = None
        try:
            copies = {i: self.program.deepcopy() for i in sorted(indices)}
        finally:
            for name, pred in predictors.items():
                pred.lm = own_lms[name]
        for i, program in copies.items():
            for name, pred in program.named_predictors():
                pred.lm = self._sampling_lm(own_lms.get(name), i)
        return copies

    @staticmethod
    def _generate_one(program: dspy.Module, lm: dspy.BaseLM | None, problem: Problem, index: int,
                      with_problem: bool = False) -> SampleRecord:
        start = time.perf_counter()
        try:
            with dspy.context(lm=lm) if lm is not None else nullcontext():
                pred = program(spec=problem.spec, problem=problem) if with_problem else program(spec=problem.spec)
        except Exception as exc:  # a failed program run is a sample with no code, not a failed evaluation
            return SampleRecord(problem.task_id, index, "", error=f"{type(exc).__name__}: {exc}"[:2000],
                                seconds=time.perf_counter() - start)
        crux = getattr(pred, "crux", None)  # CruxPipeline also gives the plan text it used, parsed or not
        crux_text = getattr(pred, "crux_markdown", None) or (crux.to_markdown() if hasattr(crux, "to_markdown")
                                                             else (str(crux) if crux else None))
        parsed, interface = crux_figures(pred, problem)
        return SampleRecord(problem.task_id, index, str(getattr(pred, "verilog", None) or ""), crux=crux_text,
                            seconds=round(time.perf_counter() - start, 4), crux_parsed=parsed,
                            crux_interface=interface)

    @staticmethod
    def _check_program_errors(records: list[SampleRecord], judged: int = 0) -> None:
        """A model that writes unparseable answers fails its samples; a setup problem (no LM, server down)
        fails every one the same way and must stop the run with its message instead of reporting 0%. With
        samples judged already (a rerun retrying the missing ones) the run ends as incomplete instead."""
        errors = [r.error for r in records if r.error]
        if not errors:
            return
        log.warning("%d of %d samples raised in the program; first: %s", len(errors), len(records), errors[0])
        if judged == 0 and len(errors) == len(records) and not any(e.startswith("AdapterParseError") for e in errors):
            raise RuntimeError(f"Every sample failed in the program (first error: {errors[0]}). Check the LM "
                               "settings (lm=..., lm.api_base, the model folder) and that the server is up.")


class _Scorer(threading.Thread):
    """Scores samples in batches as they arrive and appends verdicts; the only thread using the verifier."""

    def __init__(self, verifier, problems: dict[str, Problem], verdict_log: JsonlAppender,
                 verdicts: dict, bar) -> None:
        super().__init__(name="eval-scorer", daemon=True)
        self.verifier = verifier
        self.problems = problems
        self.verdict_log = verdict_log
        self.verdicts = verdicts
        self.bar = bar
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None

    def submit(self, record: SampleRecord) -> None:
        self.queue.put(record)

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise RuntimeError(f"scoring failed: {self.error}") from self.error

    def finish(self) -> None:
        self.queue.put(_DONE)
        self.join()
        self.raise_if_failed()

    def run(self) -> None:
        done = False
        while not done:
            batch = [self.queue.get()]
            while True:  # take everything already waiting: bigger batches use more cores
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            done = any(item is _DONE for item in batch)
            records = [item for item in batch if item is not _DONE]
            if records and self.error is None:
                try:
                    self._score(records)
                except BaseException as exc:  # reported to the generating thread, which stops the run
                    self.error = exc

    def _score(self, records: list[SampleRecord]) -> None:
        results = self.verifier.check_many([(self.problems[r.task_id], r.completion) for r in records])
        for record, result in zip(records, results):
            verdict = VerdictRecord.from_result(result, record.sample_index)
            verdict = VerdictRecord(**{**verdict.to_json(), "task_id": record.task_id})
            self.verdict_log.append(verdict.to_json())
            self.verdicts[(record.task_id, record.sample_index)] = verdict
            self.bar.update(1)
        passed = sum(v.passed for v in self.verdicts.values())
        self.bar.set_postfix(passed=passed, refresh=False)


def crux_figures(pred: dspy.Prediction, problem: Problem) -> tuple[bool | None, float | None]:
    """(CRUX parsed, interface agreement with the reference) for a program that writes a CRUX (its
    prediction has a `crux` field); (None, None) for one that does not."""
    if "crux" not in pred.keys():
        return None, None
    from crux_program.crux import Crux
    from crux_program.interface_check import interface_match

    crux = pred.crux if isinstance(pred.crux, Crux) else None
    try:
        score = interface_match(crux, problem)
    except Exception:  # an unreadable reference must not cost the sample; the CRUX figure just stays 0
        score = 0.0
    return crux is not None, round(score, 4)
