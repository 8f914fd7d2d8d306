"""Dual-space GRPO rewards, computed through the `sim/` core one GRPO group at a time.

Three TRL reward functions share one `DualSpaceScorer`: `format`, `compile` and `functional` (their weights
are what `schedule.py` moves). What each component means depends on the row's space:

| component  | code space (spec + CRUX -> Verilog)            | CRUX space (spec -> CRUX)                        |
|------------|------------------------------------------------|--------------------------------------------------|
| format     | code extracted, declares the right module       | share of the three CRUX parts that parse        |
| compile    | parses and elaborates against the reference     | interface agrees with the golden reference's    |
|            |                                                 | real ports, directions and widths (pyslang)      |
| functional | pass = 1, else fraction of matching samples     | the Verilog the current policy realises from it |
|            |                                                 | (greedy) passes: its functional score           |

A one-pass completion (CruxOnePass: CRUX sections, then the code) is rewarded in both spaces at once, each
component the mean of its two spaces' parts (with `spaces=["code"]`, the code part alone):

| component  | one-pass answer, dual space                                                          |
|------------|--------------------------------------------------------------------------------------|
| format     | (share of the three CRUX parts present + code extracted with the right module) / 2   |
| compile    | (CRUX interface agrees with the reference's real ports + code compiles) / 2         |
| functional | the code's functional score: the CRUX's own code realises it, no second generation  |

Every part is logged on its own per step (`answer/crux_format`, `answer/crux_interface`, `answer/code_format`,
`answer/code_compile`, `answer/functional`).

How it stays cheap and safe (TRL 1.16, `GRPOTrainer._calculate_rewards`): reward functions declared
`async def` run concurrently on TRL's daemon event loop while the training thread waits for all of them. The
three functions here await ONE scoring task per batch (memoised on the completions list TRL passes to all
three), and that task simulates every group (the `num_generations` completions of one prompt) in its own
worker thread through `Verifier.check_group` (ONE simulation per group in differential mode), at most
`concurrency` at a time, each under a hard deadline: a group that overruns scores 0 on every component and
training goes on (the verifier's own per-simulation timeout still kills the simulator's process group).
TRL computes rewards after the generation of the batch, so scoring overlaps itself, not the generation.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

import dspy

from crux_program.interface_check import check_interface, reference_as_top
from crux_program.one_pass_answer import read_one_pass
from optimizers.grpo.spaces import ProgramPredictors, crux_format_score, parse_crux
from sim.adapters.completions import GroupChecker, completion_text, group_rows
from sim.problem import Problem
from sim.result import REWARD_COMPONENTS, RewardParts

ZERO = RewardParts()


class Realiser(Protocol):
    """Turns (spec, CRUX) pairs into raw Verilog completions with the current policy (greedy)."""

    def realise(self, items: Sequence[tuple[str, Any]], deadline: float | None = None) -> list[str]: ...


def run_with_deadline(fn: Callable[[], Any], timeout_s: float) -> "asyncio.Future":
    """Start fn() in its own daemon thread; the returned future is awaited with asyncio.wait_for.

    A daemon thread (not a shared pool) so that a simulation which never returns cannot starve later groups
    of workers, nor keep the interpreter alive at exit.
    """
    future: concurrent.futures.Future = concurrent.futures.Future()

    def target() -> None:
        future.set_running_or_notify_cancel()  # a running future ignores the cancel wait_for sends on timeout
        try:
            future.set_result(fn())
        except BaseException as err:  # reported to the awaiting coroutine, which scores the group 0
            future.set_exception(err)

    threading.Thread(target=target, daemon=True, name="grpo-sim-group").start()
    return asyncio.wait_for(asyncio.wrap_future(future), timeout=timeout_s)


@dataclass
class ScoreStats:
    """What scoring cost, for the benchmark: seconds per scored batch (realisation included), seconds spent
    realising CRUXes as code with the policy (generation inside the reward), timeouts and errors so far."""

    batch_seconds: list[float] = field(default_factory=list)
    realise_seconds: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0


class DualSpaceScorer:
    """Scores GRPO batches of mixed CRUX-space and code-space rows; see the module docstring.

    problems: task_id -> Problem (rows carry only the task id; Problems do not fit in an Arrow column).
    realiser: realises CRUX completions as Verilog with the current policy (`realise.PolicyRealiser`, which
        follows the policy from prompt selection into training); None leaves the CRUX-space functional
        component unscored (None, which TRL skips), e.g. with `crux_functional: false`.
    realise_min_interface: only CRUXes whose interface score reaches this are realised; the rest get
        functional 0 (GRPOSettings.realise_min_interface).
    """

    def __init__(self, verifier: GroupChecker, problems: Mapping[str, Problem], predictors: ProgramPredictors,
                 adapter: dspy.Adapter, group_timeout_s: float = 60.0, concurrency: int = 2,
                 realiser: Realiser | None = None, realise_min_interface: float = 1.0,
                 spaces: Sequence[str] = ("crux", "code")) -> None:
        self.verifier, self.problems, self.predictors, self.adapter = verifier, problems, predictors, adapter
        self.spaces = tuple(spaces)  # for one-pass answers: the parts rewarded (crux and/or code)
        self._parts_log: dict[str, list[float]] = defaultdict(list)  # one-pass parts, logged with the batch
        self.group_timeout_s, self.concurrency, self.realiser = group_timeout_s, max(1, concurrency), realiser
        self.realise_min_interface = realise_min_interface
        self.stats = ScoreStats()
        self._batch: tuple[Any, asyncio.Task] | None = None

    def reward_functions(self) -> list[Callable]:
        """One async TRL reward function per `RewardParts` component (format, compile, functional), in the
        schedule's order."""
        return [self._component(name) for name in REWARD_COMPONENTS]

    def _component(self, name: str) -> Callable:
        async def reward(prompts, completions, **columns) -> list[float | None]:
            parts = await self.score(completions, columns)
            return [None if p is None else getattr(p, name) for p in parts]

        reward.__name__ = name  # TRL names the logged column `rewards/<name>/mean` after __name__
        return reward

    async def score(self, completions: list, columns: Mapping[str, Any]) -> list[RewardParts | None]:
        """Reward parts per completion, computed once per batch however many components ask."""
        if self._batch is None or self._batch[0] is not completions:
            # Keep a reference to the list itself: identity is the key, and holding it stops id reuse.
            self._batch = (completions, asyncio.ensure_future(self._score_batch(completions, columns)))
        return await self._batch[1]

    async def _score_batch(self, completions: list, columns: Mapping[str, Any]) -> list[RewardParts | None]:
        start = time.perf_counter()
        texts = [completion_text(c) for c in completions]
        spaces, task_ids = columns["space"], columns["task_id"]
        groups = group_rows(zip(spaces, task_ids))  # one group per (space, task): a GRPO group
        gate = asyncio.Semaphore(self.concurrency)
        jobs = [self._score_group(space, self._problem(task_id), [texts[i] for i in rows], gate)
                for (space, task_id), rows in groups.items()]
        parts: list[RewardParts | None] = [ZERO] * len(texts)
        for rows, group_parts in zip(groups.values(), await asyncio.gather(*jobs)):
            for i, p in zip(rows, group_parts):
                parts[i] = p
        self.stats.batch_seconds.append(time.perf_counter() - start)
        self._log(columns, spaces, parts)
        return parts

    def score_group_now(self, space: str, task_id: str, texts: list[str]) -> list[RewardParts | None]:
        """Score one group synchronously, under the same deadline as in training (prompt selection)."""
        return asyncio.run(self._score_group(space, self._problem(task_id), texts, asyncio.Semaphore(1)))

    def _problem(self, task_id: str) -> Problem:
        try:
            return self.problems[task_id]
        except KeyError:
            raise KeyError(f"GRPO row names task {task_id!r} but the scorer has no Problem for it: build the "
                           "scorer from the same examples as the dataset.") from None

    async def _score_group(self, space: str, problem: Problem, texts: list[str],
                           gate: asyncio.Semaphore) -> list[RewardParts | None]:
        deadline = time.monotonic() + self.group_timeout_s  # past it the group scores 0: stop realising too
        work = {"code": lambda: self._code_parts(problem, texts),
                "answer": lambda: self._answer_parts(problem, texts),
                "crux": lambda: self._crux_parts(problem, texts, deadline)}[space]
        async with gate:
            try:
                return await run_with_deadline(work, self.group_timeout_s)
            except asyncio.TimeoutError:
                self.stats.timeouts += 1
            except Exception:  # a crashed harness must not end the run; it scores like a failure
                self.stats.errors += 1
        return [ZERO] * len(texts)

    def _code_parts(self, problem: Problem, texts: list[str]) -> list[RewardParts]:
        return [r.rewards for r in self.verifier.check_group(problem, texts)]

    def _answer_parts(self, problem: Problem, texts: list[str]) -> list[RewardParts]:
        """One-pass completions: the CRUX part and the code part of each, rewarded together (module docstring)."""
        answers = [read_one_pass(t) for t in texts]
        code = [r.rewards for r in self.verifier.check_group(problem, [a.verilog for a in answers])]
        crux_format = [a.crux_format() for a in answers]
        reference = reference_as_top(problem)
        interface = [check_interface(a.crux, reference).score if a.crux is not None else 0.0 for a in answers]
        for name, values in (("crux_format", crux_format), ("crux_interface", interface),
                             ("code_format", [c.format for c in code]), ("code_compile", [c.compile for c in code]),
                             ("functional", [c.functional for c in code])):
            self._parts_log[name] += values
        if "crux" not in self.spaces:
            return code
        return [RewardParts(format=(f + c.format) / 2, compile=(i + c.compile) / 2, functional=c.functional)
                for f, i, c in zip(crux_format, interface, code)]

    def _crux_parts(self, problem: Problem, texts: list[str], deadline: float | None = None
                    ) -> list[RewardParts | None]:
        cruxes = [parse_crux(t, self.predictors.crux, self.adapter) for t in texts]
        reference = reference_as_top(problem)
        interface = [check_interface(c, reference).score if c is not None else 0.0 for c in cruxes]
        functional: list[float | None] = [0.0] * len(texts)
        if self.realiser is None:
            functional = [None] * len(texts)
        else:
            # Only complete CRUXes with the reference's interface are worth realising (the others score 0),
            # and identical ones once: realisation is generation paid inside the reward, its dearest part.
            unique = {c.to_markdown(): c for c, i in zip(cruxes, interface)
                      if c is not None and not c.missing_parts() and i >= self.realise_min_interface}
            if unique:
                started = time.perf_counter()
                code = self.realiser.realise([(problem.spec, c) for c in unique.values()], deadline=deadline)
                self.stats.realise_seconds.append(time.perf_counter() - started)
                scores = {key: r.rewards.functional for key, r in zip(unique, self.verifier.check_group(problem, code))}
                functional = [scores.get(c.to_markdown(), 0.0) if c is not None else 0.0 for c in cruxes]
        return [RewardParts(format=crux_format_score(c), compile=s, functional=f)  # type: ignore[arg-type]
                for c, s, f in zip(cruxes, interface, functional)]

    def _log(self, columns: Mapping[str, Any], spaces: Sequence[str], parts: list[RewardParts | None]) -> None:
        log_metric = columns.get("log_metric")
        if log_metric is None:
            self._parts_log.clear()
            return
        for space in set(spaces):
            rows = [p for s, p in zip(spaces, parts) if s == space and p is not None]
            for name in REWARD_COMPONENTS:
                values = [getattr(p, name) for p in rows if getattr(p, name) is not None]
                if values:
                    log_metric(f"{space}/{name}", sum(values) / len(values))
        for name, values in self._parts_log.items():
            if values:
                log_metric(f"answer/{name}", sum(values) / len(values))
        self._parts_log.clear()
        log_metric("sim/reward_seconds", self.stats.batch_seconds[-1])
        log_metric("sim/timeouts_total", float(self.stats.timeouts))

