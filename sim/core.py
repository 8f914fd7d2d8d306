"""The Verifier: the one entry point that judges candidate Verilog for evaluation, metrics and rewards.

    with Verifier(SimConfig(jobs=2)) as v:
        result = v.check(problem, raw_model_output)
        results = v.check_many([(problem, text), ...])

Extraction and the content-hash cache run in this process; screening, the pyslang gate and simulation run
in a pool of worker processes. Testbench mode simulates each unique candidate once; differential mode sends
all unique candidates of a problem to ONE cocotb simulation.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Iterator, Sequence

from sim import icarus
from sim.cache import VerdictCache, cache_key, problem_fingerprint
from sim.config import SimConfig
from sim.extract import extract_body, extract_code
from sim.isolation import require as require_isolation

EXTRACT_FACTOR = 8  # raw answers up to this many times `max_candidate_bytes` are searched for their code
from sim.judge import judge_differential, judge_testbench, make_result, with_interface
from sim.pool import ResilientPool
from sim.problem import Problem
from sim.result import SimResult, Status


@dataclass(frozen=True)
class _Unit:
    """One job for a worker: candidates of one problem, judged in one mode."""

    problem: Problem
    codes: list[str | None]
    mode: str
    config: SimConfig


def _run_unit(unit: _Unit) -> list[SimResult]:
    """Worker entry point (module level so that it pickles)."""
    if unit.mode == "differential":
        return judge_differential(unit.problem, unit.codes, unit.config)
    return [judge_testbench(unit.problem, code, unit.config) for code in unit.codes]


def _crashed(unit: _Unit, exc: BaseException) -> list[SimResult]:
    reason = f"harness failure: worker crashed or raised {type(exc).__name__}: {exc}"
    return [make_result(unit.problem, code, Status.RUNTIME_ERROR, log=reason, feedback=reason[:300])
            for code in unit.codes]


def _require_icarus(config: SimConfig) -> str:
    """The configured Icarus build's version line; RuntimeError (how to install it) when it is not on PATH."""
    return icarus.version(config.icarus)


class Verifier:
    """Judges raw model output against problems (see docs/ARCHITECTURE.md for the contract)."""

    def __init__(self, config: SimConfig = SimConfig()) -> None:
        require_isolation(config.isolation)  # refuse to run untrusted code unjailed unless the user opted out
        if config.iverilog is not None or config.vvp is not None:
            icarus.check(config.icarus)  # a configured build that is not Icarus fails here, not per candidate
        icarus.activate(config.iverilog, config.vvp)  # what judged this process's verdicts (metrics.json)
        self.config = config
        self._simulator = ""  # the build's version line, stamped on every verdict
        self.cache = VerdictCache(config.cache_dir)
        self._pool: ResilientPool | None = None
        self._pool_lock = threading.Lock()
        # id -> (problem, fingerprint): the problem is kept so that its id cannot be reused by another object
        self._fingerprints: dict[int, tuple[Problem, str]] = {}

    # -- public API ---------------------------------------------------------------------------------
    def mode_for(self, problem: Problem) -> str:
        """"testbench" or "differential" for this problem under the configured mode."""
        if self.config.mode == "auto":
            return "testbench" if problem.has_testbench else "differential"
        if self.config.mode == "testbench" and not problem.has_testbench:
            raise ValueError(f"{problem.task_id}: mode 'testbench' needs a testbench and this problem has none; "
                             f"use mode 'auto' or 'differential'")
        return self.config.mode

    def check(self, problem: Problem, completion: str) -> SimResult:
        """Judge one raw completion (extraction inside)."""
        return self._judge([(problem, completion)], parallel=False)[0]

    def check_group(self, problem: Problem, completions: list[str]) -> list[SimResult]:
        """Judge several completions of one problem; in differential mode, in ONE simulation."""
        return self._judge([(problem, c) for c in completions], parallel=True)

    def check_many(self, items: Sequence[tuple[Problem, str]], progress: bool = False) -> list[SimResult]:
        """Judge many (problem, completion) pairs over all cores; results in input order."""
        out: list[SimResult | None] = [None] * len(items)
        for i, result in self.iter_many(items, progress=progress):
            out[i] = result
        return out  # type: ignore[return-value]

    def iter_many(self, items: Sequence[tuple[Problem, str]], progress: bool = False
                  ) -> Iterator[tuple[int, SimResult]]:
        """Like check_many, but yields (input index, result) as soon as each verdict exists."""
        yield from self._iter(items, parallel=True, progress=progress)

    def close(self, now: bool = False) -> None:
        """Stop the worker processes; `now`: kill the simulations still running too (the caller gave up)."""
        if self._pool is not None:
            self._pool.terminate() if now else self._pool.close()
            self._pool = None

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # Leaving on Ctrl-C (or any error): nobody will read the pending verdicts, so stop their simulations.
        self.close(now=exc_type is not None)

    # -- internals ----------------------------------------------------------------------------------
    def _judge(self, items: Sequence[tuple[Problem, str]], parallel: bool) -> list[SimResult]:
        out: list[SimResult | None] = [None] * len(items)
        for i, result in self._iter(items, parallel=parallel, progress=False):
            out[i] = result
        return out  # type: ignore[return-value]

    def _fingerprint(self, problem: Problem) -> str:
        """`sim.cache.problem_fingerprint`, computed once per problem object (it reads the extra files)."""
        entry = self._fingerprints.get(id(problem))
        if entry is None or entry[0] is not problem:
            entry = self._fingerprints[id(problem)] = (problem, problem_fingerprint(problem))
        return entry[1]

    def _iter(self, items: Sequence[tuple[Problem, str]], parallel: bool, progress: bool
              ) -> Iterator[tuple[int, SimResult]]:
        # 1. extract, consult the cache, and collect the unique candidates still to simulate
        waiting: dict[str, list[int]] = {}  # cache key -> input indices
        todo: dict[tuple[str, str], tuple[Problem, list[tuple[str, str | None]]]] = {}
        for i, (problem, completion) in enumerate(items):
            mode = self.mode_for(problem)
            # an answer far beyond the candidate cap is not searched for code at all: the judge refuses it as is
            oversized = len(completion) > EXTRACT_FACTOR * self.config.max_candidate_bytes
            code = completion if oversized else extract_code(completion)
            if code is None and problem.interface_prefix is not None and not oversized:
                # a code-complete answer is a body: the official flow puts the interface in front of it
                body = extract_body(completion)
                code = with_interface(problem, body) if body is not None else None
            fp = self._fingerprint(problem)
            key = cache_key(fp, code if code is not None else "\0no-code", mode, self.config)
            if key in waiting:
                waiting[key].append(i)
                continue
            hit = self.cache.get(key)
            if hit is not None:
                yield i, hit
                continue
            waiting[key] = [i]
            todo.setdefault((fp, mode), (problem, []))[1].append((key, code))
        # 2. one unit per candidate (testbench) or per problem (differential)
        units: list[tuple[_Unit, list[str]]] = []
        for (_fp, mode), (problem, entries) in todo.items():
            if mode == "differential":
                units.append((_Unit(problem, [c for _, c in entries], mode, self.config), [k for k, _ in entries]))
            else:
                units += [(_Unit(problem, [c], mode, self.config), [k]) for k, c in entries]
        if units:
            self._simulator = _require_icarus(self.config)  # `-V` runs again only when a program file changed
        # 3. simulate; publish each verdict as soon as its unit returns
        done = 0
        start = time.monotonic()
        for u, results, trusted in self._run([u for u, _ in units], parallel):
            for key, result in zip(units[u][1], results):
                result = replace(result, simulator=self._simulator)
                if trusted:  # a harness failure may not repeat: never cache it
                    self.cache.put(key, result)
                for i in waiting[key]:
                    yield i, result
            done += 1
            if progress:
                print(f"\r{done}/{len(units)} simulations, {time.monotonic() - start:.1f}s", end="", file=sys.stderr)
        if progress and units:
            print(file=sys.stderr)

    def _run(self, units: list[_Unit], parallel: bool) -> Iterator[tuple[int, list[SimResult], bool]]:
        """Yield (unit index, results, trusted); untrusted results come from a crashed worker."""
        if not parallel or len(units) <= 1 or self.config.workers <= 1:
            for u, unit in enumerate(units):
                try:
                    yield u, _run_unit(unit), True
                except Exception as exc:  # keep going: one broken candidate must not stop a run
                    yield u, _crashed(unit, exc), False
            return
        with self._pool_lock:  # metrics may be called from several threads (DSPy evaluators)
            if self._pool is None:
                self._pool = ResilientPool(self.config.workers)
        crashed: set[int] = set()

        def on_crash(unit: _Unit, exc: BaseException) -> list[SimResult]:
            crashed.add(id(unit))
            return _crashed(unit, exc)

        for u, results in self._pool.imap(_run_unit, units, on_crash=on_crash):
            yield u, results, id(units[u]) not in crashed
