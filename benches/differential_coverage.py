"""How well differential mode agrees with the official testbenches, on references and their mutants.

    python -m benches.differential_coverage --problems ../shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl \
        --mutants 8 [--limit N] [--jobs N]

For every problem: the reference is judged by its official testbench and, with the testbench removed, by
differential mode against itself (it must pass wherever the testbench passes it); then `--mutants` mutants of
the reference (sim.mutants) are judged both ways, all mutants of a problem in ONE differential simulation.
Prints one JSON line: references passing each way, mutants caught by the testbench, and how many of those
differential mode also caught. `--details FILE` writes one JSON line per mutant the testbench caught but
differential mode passed (the misses to look at).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from sim.config import SimConfig
from sim.core import Verifier
from sim.differential.run import run_differential
from sim.loaders import load_problems, reference_as_candidate
from sim.mutants import mutants
from sim.problem import Problem


@dataclass
class ProblemCoverage:
    """One problem's outcome: reference verdicts and mutant catches both ways."""

    task_id: str
    reference_tb: bool
    reference_diff: bool
    tb_caught: int = 0
    both_caught: int = 0
    misses: list[str] | None = None


def _cover(problem: Problem, tb_verdicts: list[bool], codes: list[str], config: SimConfig,
           workdir: Path) -> ProblemCoverage:
    """tb_verdicts[i]: the testbench passed codes[i] (codes[0] is the reference)."""
    bare = replace(problem, testbench=None, tb_top=None)
    diff = run_differential(bare, codes, config, workdir / problem.task_id)
    cov = ProblemCoverage(problem.task_id, tb_verdicts[0], diff[0].passed, misses=[])
    if not cov.reference_tb:
        return cov  # a testbench that fails its own reference catches everything: not evidence
    for code, tb_pass, result in zip(codes[1:], tb_verdicts[1:], diff[1:]):
        if not tb_pass:
            cov.tb_caught += 1
            if result.passed:
                cov.misses.append(code)
            else:
                cov.both_caught += 1
    return cov


def measure(problems: list[Problem], n_mutants: int, config: SimConfig, jobs: int) -> list[ProblemCoverage]:
    """Judge references and mutants with both modes; mutants are deterministic (seed = config.seed)."""
    codes = {p.task_id: [reference_as_candidate(p)] + mutants(reference_as_candidate(p), n_mutants, config.seed)
             for p in problems}
    items = [(p, code) for p in problems for code in codes[p.task_id]]
    with Verifier(replace(config, mode="testbench", jobs=jobs)) as verifier:
        tb = [r.passed for r in verifier.check_many(items)]
    verdicts, pos = {}, 0
    for p in problems:
        verdicts[p.task_id] = tb[pos:pos + len(codes[p.task_id])]
        pos += len(codes[p.task_id])
    diff_config = replace(config, mode="differential", jobs=1)
    with tempfile.TemporaryDirectory(prefix="diffcov_") as tmp, ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda p: _cover(p, verdicts[p.task_id], codes[p.task_id], diff_config, Path(tmp)),
                             problems))


def main(argv: list[str] | None = None) -> int:
    """Entry point: print the coverage figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benches.differential_coverage", description=__doc__.split("\n")[0])
    parser.add_argument("--problems", required=True, type=Path, help="VerilogEval v2 folder or RTLLM root")
    parser.add_argument("--mutants", type=int, default=8, help="mutants per problem")
    parser.add_argument("--limit", type=int, default=0, help="first N problems only (0 = all)")
    parser.add_argument("--jobs", type=int, default=0, help="parallel problems (0 = all cores)")
    parser.add_argument("--cycles", type=int, default=SimConfig.diff_cycles, help="differential cycles")
    parser.add_argument("--details", type=Path, default=None, help="JSONL of the mutants differential missed")
    args = parser.parse_args(argv)
    problems = load_problems(args.problems)
    problems = problems[: args.limit] if args.limit else problems
    config = SimConfig(diff_cycles=args.cycles)
    jobs = args.jobs or config.workers
    start = time.monotonic()
    rows = measure(problems, args.mutants, config, jobs)
    tb_refs = [r for r in rows if r.reference_tb]
    caught = sum(r.tb_caught for r in rows)
    both = sum(r.both_caught for r in rows)
    if args.details:
        with args.details.open("w") as f:
            for r in rows:
                for code in r.misses or []:
                    f.write(json.dumps({"task_id": r.task_id, "mutant": code}) + "\n")
    print(json.dumps({
        "problems": len(rows),
        "references_pass_testbench": len(tb_refs),
        "references_pass_differential": sum(r.reference_diff for r in tb_refs),
        "references_failing_self_check": [r.task_id for r in tb_refs if not r.reference_diff],
        "mutants_caught_by_testbench": caught,
        "also_caught_by_differential": both,
        "catch_rate": round(both / caught, 4) if caught else None,
        "seconds": round(time.monotonic() - start, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
