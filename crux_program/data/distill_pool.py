"""CRUX distillation at the scale of real corpora: many teacher requests in flight, answers kept as they come.

`TeacherPool(teacher, student, answers_path, PoolConfig(concurrency, realise)).run(triplets)` asks the teacher
(`CruxDistiller.propose`: `SpecToCrux` with the reference as a hint) for every triplet, `concurrency`
requests at a time (an OpenAI-compatible server such as vLLM batches them). Each answer goes through the
interface filter at once, and, with `realise`, the student writes code from spec + CRUX in the same worker.
Every finished row is appended to `answers_path` (JSON lines, keyed by a hash of spec and reference) before
the next is taken, so an interrupted run (Ctrl-C, a crash, a lost server) loses only the requests in flight:
the rerun reads the file and asks only for the rows it lacks. Requests in flight when Ctrl-C arrives are
waited for and written too, so no answered row is asked twice. A call that failed (a lost connection, a
server error after the client's retries) is counted as `teacher_error` and not written: the next run asks
again.

The realisations are then simulated in one `Verifier.check_many` (differential against the reference): a
CRUX is accepted only when its realisation passes. A progress bar shows rows/s and the time left; the log
ends with the rows asked and reused and the tokens sent and received. When the teacher's first calls all
fail outright, the run stops with what to check (`CruxDistiller.propose`).
"""
from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import dspy

from crux_program.crux import Crux
from crux_program.data.distill import CruxDistiller, DistillConfig
from crux_program.data.triplet import Triplet
from crux_program.errors import UserError
from crux_program.interface_check import check_interface
from sim.fingerprint import digest_text

log = logging.getLogger(__name__)
_PYSLANG = threading.Lock()  # interface checks elaborate with pyslang: one at a time across worker threads


@dataclass(frozen=True)
class PoolConfig:
    """concurrency: teacher requests in flight. realise: also require the student's realisation to pass the
    simulator (one more LM call per row, then one simulation). diff_cycles / jobs: that simulation's random
    cycles and worker processes (0 = all cores). progress: show the progress bar."""

    concurrency: int = 16
    realise: bool = True
    diff_cycles: int = 200
    jobs: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise UserError(f"data.distill.concurrency={self.concurrency}: use at least 1 request in flight")


@dataclass
class PoolResult:
    """Accepted teacher CRUXes by triplet index; outcomes per row; what the teacher was asked."""

    cruxes: dict[int, Crux] = field(default_factory=dict)
    outcomes: Counter = field(default_factory=Counter)
    asked: int = 0
    reused: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def summary(self) -> str:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (f"teacher: {self.asked} rows asked, {self.reused} answered earlier and reused; {outcomes}; "
                f"{self.prompt_tokens} tokens sent, {self.completion_tokens} received")


def row_key(t: Triplet) -> str:
    """What identifies a row's question to the teacher: its spec and reference."""
    return digest_text(t.spec + "\x00" + t.verilog, length=20, algorithm="sha1")  # answers files hold sha1 keys


def read_answers(path: Path) -> dict[str, dict]:
    """Answers written so far (a line cut short by an interruption is skipped: that row is asked again)."""
    answers: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                answers[record["key"]] = record
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return answers


def _tokens(tracker) -> tuple[int, int]:
    sent = received = 0
    for usage in (tracker.get_total_tokens() or {}).values():
        sent += int(usage.get("prompt_tokens") or 0)
        received += int(usage.get("completion_tokens") or 0)
    return sent, received


class TeacherPool:
    """Concurrent, resumable teacher (see the module docstring). `student` defaults to the teacher."""

    def __init__(self, teacher: dspy.BaseLM, student: dspy.BaseLM | None, answers_path: str | Path,
                 config: PoolConfig | None = None) -> None:
        self.config = config or PoolConfig()
        self.distiller = CruxDistiller(teacher, student, DistillConfig(realise=self.config.realise))
        self.answers_path = Path(answers_path)

    def _ask(self, t: Triplet) -> dict:
        """One row, in a worker thread: the teacher's CRUX, its interface check, the student's code."""
        from dspy.utils.usage_tracker import track_usage

        with track_usage() as tracker:
            crux, error = self.distiller.ask(t)
            record: dict = {"key": row_key(t), "crux": None, "outcome": "teacher_unreadable", "code": None}
            if error is not None:  # the call failed (not the answer): never written, asked again next run
                record.update(outcome="teacher_error", error=error)
            elif crux is not None:
                record["crux"] = crux.model_dump()
                with _PYSLANG:
                    ok = check_interface(crux, t.verilog).ok
                if not ok:
                    record["outcome"] = "rejected_interface"
                else:
                    record["outcome"] = "proposed"
                    if self.config.realise:
                        record["code"] = self.distiller.realise_code(t, crux)
        record["prompt_tokens"], record["completion_tokens"] = _tokens(tracker)
        return record

    def _collect(self, todo: list[Triplet], result: PoolResult, answers: dict[str, dict]) -> None:
        """Ask for every row of `todo`, appending each answer to the file as it arrives."""
        from tqdm import tqdm

        self.answers_path.parent.mkdir(parents=True, exist_ok=True)
        written: set[Future] = set()
        bar = tqdm(total=len(todo), unit="row", desc="teacher", disable=not self.config.progress, smoothing=0.1)
        with self.answers_path.open("a", encoding="utf-8") as out:
            def keep(fut: Future) -> None:
                record = fut.result()
                if record["outcome"] == "teacher_error":
                    result.outcomes["teacher_error"] += 1
                else:  # written before it counts as kept: a Ctrl-C in between writes it twice, never loses it
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    answers[record["key"]] = record
                written.add(fut)
                result.asked += 1
                result.prompt_tokens += record["prompt_tokens"]
                result.completion_tokens += record["completion_tokens"]
                bar.update(1)

            executor = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="teacher")
            futures = [executor.submit(self._ask, t) for t in todo]
            try:
                for fut in as_completed(futures):
                    keep(fut)
            finally:  # Ctrl-C or a failing teacher: stop asking, but keep what is already on its way back
                for fut in futures:
                    fut.cancel()
                executor.shutdown(wait=True)
                for fut in futures:
                    if fut not in written and fut.done() and not fut.cancelled() and fut.exception() is None:
                        keep(fut)
                bar.close()

    def run(self, triplets: Sequence[Triplet]) -> PoolResult:
        """Teacher CRUXes for `triplets` (index -> Crux for the accepted ones), resuming from the answers file."""
        result = PoolResult()
        answers = read_answers(self.answers_path)
        todo, seen = [], set()
        for t in triplets:
            key = row_key(t)
            if key in answers:
                result.reused += 1
            elif key not in seen:
                seen.add(key)
                todo.append(t)
        if todo:
            self._collect(todo, result, answers)
        pending: list[tuple[int, Crux, str]] = []
        for i, t in enumerate(triplets):
            record = answers.get(row_key(t))
            if record is None:  # the call failed (counted as teacher_error): the extracted CRUX stands in
                continue
            if record["outcome"] != "proposed":
                result.outcomes[record["outcome"]] += 1
            elif not self.config.realise:
                result.cruxes[i] = Crux.model_validate(record["crux"])
                result.outcomes["teacher"] += 1
            else:
                pending.append((i, Crux.model_validate(record["crux"]), record["code"] or ""))
        if pending:
            self._simulate(triplets, pending, result)
        log.info(result.summary())
        return result

    def _simulate(self, triplets: Sequence[Triplet], pending: list[tuple[int, Crux, str]],
                  result: PoolResult) -> None:
        from sim.config import SimConfig
        from sim.core import Verifier

        sim = SimConfig(mode="differential", diff_cycles=self.config.diff_cycles, jobs=self.config.jobs)
        with Verifier(sim) as verifier:
            verdicts = verifier.check_many([(triplets[i].problem(), code) for i, _, code in pending],
                                           progress=self.config.progress)
        for (i, crux, _), verdict in zip(pending, verdicts):
            if verdict.passed:
                result.cruxes[i] = crux
                result.outcomes["teacher"] += 1
            else:
                result.outcomes["rejected_realise"] += 1
