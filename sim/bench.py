"""Throughput of the verification core, side by side on the same inputs.

    python -m sim bench --problems ../shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl [--limit 30]
    python -m sim.bench ...            (the same, without the `sim` command line)

Inputs: for each problem, its reference plus mutants of it (sim.mutants), `--group` candidates in all
(mutants that compile, unless `--all-mutants`).
Measured in one run, each over the same number of parallel workers (`--jobs`, 0 = all cores):
  (a) raw: a plain loop of `iverilog` + `vvp` subprocesses with the official flags: the floor of any harness;
  (b) testbench: the same candidates through `Verifier` in testbench mode (extraction, gate, official rule);
  (c) cocotb naive: one cocotb simulation per candidate (reference + that candidate);
  (d) differential: one cocotb simulation per problem with all its `--group` candidates.
Prints one JSON line: raw_per_s, testbench_per_s, cocotb_naive_per_s, differential_per_s (candidates per
second), testbench_vs_raw and differential_vs_cocotb_naive, plus the counts behind them.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from sim.config import SimConfig
from sim.core import Verifier
from sim.differential.run import run_differential
from sim.loaders import load_problems, reference_as_candidate
from sim.mutants import mutants
from sim.problem import Problem

RAW_TIMEOUT_S = 30.0  # VerilogEval's official per-run timeout


@dataclass(frozen=True)
class Timing:
    """How long one mode took on `count` candidates, and how many it passed."""

    count: int
    seconds: float
    passed: int

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m sim bench`."""
    parser.add_argument("--problems", required=True, type=Path, help="VerilogEval v2 folder or RTLLM root")
    parser.add_argument("--limit", type=int, default=30, help="first N problems (0 = all)")
    parser.add_argument("--group", type=int, default=8, help="candidates per problem: the reference + mutants")
    parser.add_argument("--jobs", type=int, default=0, help="parallel workers for every mode (0 = all cores)")
    parser.add_argument("--cycles", type=int, default=SimConfig.diff_cycles, help="differential cycles")
    parser.add_argument("--seed", type=int, default=0, help="mutant and stimulus seed")
    parser.add_argument("--all-mutants", action="store_true",
                        help="keep mutants that do not compile (default: only compiling ones)")


def compiles(problem: Problem, code: str) -> bool:
    """Whether `code` compiles alone with Icarus (the official flags, its top module as root)."""
    with tempfile.TemporaryDirectory(prefix="simbench_cc_") as tmp:
        (Path(tmp) / "c.sv").write_text(code)
        cmd = ["iverilog", "-g2012", "-Wno-timescale", "-s", problem.top, "-o", "c.vvp", "c.sv"]
        try:
            return subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=RAW_TIMEOUT_S).returncode == 0
        except subprocess.TimeoutExpired:
            return False


def bench_inputs(problems: Sequence[Problem], group: int, seed: int,
                 compiling_only: bool = False) -> list[tuple[Problem, list[str]]]:
    """Each problem with its candidates: the reference (renamed to the top) and up to `group - 1` mutants.

    Each problem gets its own mutant seed: with one seed for all, every problem draws the same sequence of
    mutation operators and so the same share of non-compiling candidates. `compiling_only` keeps the mutants
    that compile (checked before any timing): non-compiling candidates never reach a simulator in either
    cocotb mode, so they only dilute the naive-vs-grouped comparison.
    """
    out = []
    for index, problem in enumerate(problems):
        reference = reference_as_candidate(problem)
        pool = mutants(reference, (group - 1) * (4 if compiling_only else 1), seed + index)
        if compiling_only:
            pool = [m for m in pool if compiles(problem, m)]
        out.append((problem, [reference] + pool[: group - 1]))
    return out


def _raw_one(problem: Problem, code: str, root: Path, index: int) -> bool:
    """iverilog + vvp on one candidate, the way the official Makefile does it; True on a clean finish."""
    folder = root / f"raw{index}"
    folder.mkdir()
    (folder / "sample.sv").write_text(code)
    (folder / "test.sv").write_text(problem.testbench or "")
    sources = ["sample.sv", "test.sv"]
    if problem.source == "verilog_eval":
        (folder / "ref.sv").write_text(problem.reference)
        sources.append("ref.sv")
    for name, path in problem.extra_files.items():
        shutil.copy(path, folder / name)
    top = ["-s", problem.tb_top] if problem.tb_top else []
    try:
        built = subprocess.run(["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", *top, "-o", "bin",
                                *sources], cwd=folder, capture_output=True, timeout=RAW_TIMEOUT_S)
        if built.returncode != 0:
            return False
        ran = subprocess.run(["vvp", "-n", "bin"], cwd=folder, capture_output=True, timeout=RAW_TIMEOUT_S)
        return ran.returncode == 0 and (b"Mismatches: 0 in" in ran.stdout or b"Passed" in ran.stdout)
    except subprocess.TimeoutExpired:
        return False


def _timed(count: int, run: Callable[[], list[bool]]) -> Timing:
    start = time.monotonic()
    verdicts = run()
    return Timing(count, time.monotonic() - start, sum(verdicts))


def measure(inputs: list[tuple[Problem, list[str]]], config: SimConfig, jobs: int) -> dict[str, Timing]:
    """Run the four modes on the same inputs; the same `jobs` workers for each."""
    items = [(p, code) for p, codes in inputs for code in codes]
    bare = {p.task_id: replace(p, testbench=None, tb_top=None) for p, _ in inputs}
    single = replace(config, jobs=1)  # parallelism comes from the outer pool, as for the other modes
    timings: dict[str, Timing] = {}
    with tempfile.TemporaryDirectory(prefix="simbench_") as tmp, ThreadPoolExecutor(max_workers=jobs) as pool:
        root = Path(tmp)
        timings["raw"] = _timed(len(items), lambda: list(pool.map(
            lambda ik: _raw_one(ik[1][0], ik[1][1], root, ik[0]), enumerate(items))))

        def testbench() -> list[bool]:
            with Verifier(replace(config, mode="testbench", jobs=jobs, cache_dir=None)) as verifier:
                return [r.passed for r in verifier.check_many(items)]

        timings["testbench"] = _timed(len(items), testbench)
        timings["cocotb_naive"] = _timed(len(items), lambda: list(pool.map(
            lambda ik: run_differential(bare[ik[1][0].task_id], [ik[1][1]], single, root / f"naive{ik[0]}")[0].passed,
            enumerate(items))))

        def differential() -> list[bool]:
            groups = pool.map(lambda ip: run_differential(bare[ip[1][0].task_id], ip[1][1], single,
                                                          root / f"group{ip[0]}"), enumerate(inputs))
            return [r.passed for results in groups for r in results]

        timings["differential"] = _timed(len(items), differential)
    return timings


def report(timings: dict[str, Timing], problems: int) -> dict:
    """The JSON line printed by `python -m sim bench`."""
    per_s = {name: t.per_s for name, t in timings.items()}
    row = {f"{name}_per_s": round(v, 2) for name, v in per_s.items()}
    row["testbench_vs_raw"] = round(per_s["testbench"] / per_s["raw"], 3) if per_s["raw"] else None
    row["differential_vs_cocotb_naive"] = (round(per_s["differential"] / per_s["cocotb_naive"], 3)
                                           if per_s["cocotb_naive"] else None)
    row["problems"] = problems
    row["candidates"] = timings["raw"].count
    row["passed"] = {name: t.passed for name, t in timings.items()}
    row["seconds"] = {name: round(t.seconds, 2) for name, t in timings.items()}
    return row


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """Entry point of `python -m sim bench` (takes parsed args or the raw argument list)."""
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="python -m sim bench", description=__doc__.split("\n")[0])
        add_arguments(parser)
        args = parser.parse_args(args)
    if not args.problems.exists():
        print(f"error: problems folder {args.problems} does not exist: pass a VerilogEval v2 folder or RTLLM root")
        return 2
    if args.group < 1:
        print("error: --group must be at least 1")
        return 2
    problems = load_problems(args.problems)
    problems = problems[: args.limit] if args.limit else problems
    config = SimConfig(diff_cycles=args.cycles, seed=args.seed)
    jobs = args.jobs or config.workers
    inputs = bench_inputs(problems, args.group, args.seed, compiling_only=not args.all_mutants)
    timings = measure(inputs, config, jobs)
    row = report(timings, len(problems))
    row["mutants"] = "all" if args.all_mutants else "compiling"
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
