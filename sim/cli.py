"""Command line of the verification core.

    python -m sim score --problems PATH --samples FILE.jsonl --out VERDICTS.jsonl [--mode M] [--jobs N]
    python -m sim score --problems PATH --references --out VERDICTS.jsonl
    python -m sim score ... --iverilog /opt/iverilog12/bin/iverilog   (another Icarus build; vvp beside it)
    python -m sim bench --problems PATH ...          (see sim/bench.py)

PATH is a VerilogEval v2 dataset folder or an RTLLM root (detected). Each sample line is
`{"task_id": ..., "completion": ...}`; VERDICTS.jsonl gets one line per scored sample, in input order,
written as soon as the verdicts before it exist: task_id, passed, status, mismatches, samples, seconds,
simulator (the Icarus version line of the build that judged it) and feedback (why it failed: the first compile
error, or the first mismatching output and cycle). The last line printed is `scored N samples: P passed, F failed`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator, TextIO

from sim.config import SimConfig
from sim.core import Verifier
from sim.icarus import IcarusNotFound
from sim.isolation import IsolationUnavailable
from sim.loaders import BenchmarkLayoutError, load_problems, reference_as_candidate
from sim.problem import Problem


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim", description="Judge Verilog against benchmarks.")
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="score samples (or the references) with the official rules")
    score.add_argument("--problems", required=True, type=Path, help="VerilogEval v2 folder or RTLLM root")
    which = score.add_mutually_exclusive_group(required=True)
    which.add_argument("--samples", type=Path, help='JSONL of {"task_id", "completion"} lines')
    which.add_argument("--references", action="store_true", help="score the benchmark's own references")
    score.add_argument("--out", required=True, type=Path, help="VERDICTS.jsonl to write")
    score.add_argument("--mode", default="auto", choices=["auto", "testbench", "differential"])
    score.add_argument("--jobs", type=int, default=0, help="worker processes (0 = all cores)")
    score.add_argument("--timeout", type=float, default=30.0, help="seconds per simulation (official: 30)")
    score.add_argument("--cache-dir", type=Path, default=None, help="reuse verdicts across runs")
    score.add_argument("--isolation", default="auto", choices=["auto", "none"],
                       help="auto: every simulation jailed by bubblewrap (refused where it cannot start); "
                            "none: no operating-system isolation, for trusted code only (warns)")
    score.add_argument("--iverilog", default=None,
                       help="the Icarus build to judge with: its iverilog program or install prefix "
                            "(default: iverilog on PATH); every verdict line names its version")
    score.add_argument("--vvp", default=None, help="that build's vvp (default: the one beside --iverilog)")
    score.add_argument("--resume", action="store_true",
                       help="keep the verdict lines already in --out and score only the samples after them")
    bench = sub.add_parser("bench", help="throughput of raw Icarus, testbench, cocotb and differential modes",
                           add_help=False)
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def read_samples(path: Path, problems: dict[str, Problem], err: TextIO) -> Iterator[tuple[Problem, str]]:
    """Valid (problem, completion) pairs; bad lines are reported on `err` by line number and skipped."""
    with path.open(errors="replace") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                task_id, completion = row["task_id"], row["completion"]
                if not isinstance(task_id, str) or not isinstance(completion, str):
                    raise TypeError("task_id and completion must be strings")
            except (ValueError, KeyError, TypeError) as exc:
                print(f"{path}:{lineno}: malformed sample line ({type(exc).__name__}: {exc}); expected "
                      f'{{"task_id": str, "completion": str}}; skipped', file=err)
                continue
            if task_id not in problems:
                print(f"{path}:{lineno}: unknown task id {task_id!r} (not in the problems folder); skipped",
                      file=err)
                continue
            yield problems[task_id], completion


def _completed_rows(path: Path) -> list[dict]:
    """Verdict rows of an earlier run (a torn last line is dropped and rewritten)."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            break
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def _as_option(message: str) -> str:
    """A configuration message in the command line's words (`sim.iverilog=X` is `--iverilog X` here)."""
    for key in ("iverilog", "vvp"):
        message = message.replace(f"sim.{key}=PATH", f"--{key} PATH").replace(f"sim.{key}=", f"--{key} ")
        message = message.replace(f"sim.{key}", f"--{key}")
    return message


def score(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run `score`; returns the exit status (1 when some input lines were skipped)."""
    try:
        config = SimConfig(mode=args.mode, jobs=args.jobs, timeout_s=args.timeout, cache_dir=args.cache_dir,
                           isolation=args.isolation, iverilog=args.iverilog, vvp=args.vvp)
    except ValueError as exc:  # a bad --iverilog / --vvp: say which and what to do, no traceback
        print(f"error: {_as_option(str(exc))}", file=err)
        return 2
    try:
        problems = {p.task_id: p for p in load_problems(args.problems)}
    except (FileNotFoundError, BenchmarkLayoutError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    if args.references:
        items = [(p, reference_as_candidate(p)) for p in problems.values()]
        skipped = 0
    else:
        if not args.samples.is_file():
            print(f"error: samples file {args.samples} does not exist", file=err)
            return 2
        lines = sum(1 for ln in args.samples.open(errors="replace") if ln.strip())
        items = list(read_samples(args.samples, problems, err))
        skipped = lines - len(items)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = _completed_rows(args.out) if args.resume else []
    passed, written = sum(bool(r.get("passed")) for r in done), len(done)
    if len(done) > len(items) or any(r.get("task_id") != p.task_id for r, (p, _) in zip(done, items)):
        print(f"error: {args.out} does not hold verdicts of these samples in order; drop --resume or "
              f"choose another --out", file=err)
        return 2
    if done:
        print(f"resuming: {len(done)} verdicts already in {args.out}", file=err)
    pending: dict[int, dict] = {}
    try:
        with Verifier(config) as verifier, args.out.open("a" if args.resume else "w") as sink:
            for j, result in verifier.iter_many(items[len(done):], progress=err.isatty()):
                i = j + len(done)
                # the judge's reason (first compile error, first mismatching output and cycle) travels with the row
                pending[i] = {**result.verdict_row(), "feedback": result.feedback}
                while written in pending:  # keep input order, flush as soon as the prefix is complete
                    row = pending.pop(written)
                    sink.write(json.dumps(row) + "\n")
                    sink.flush()
                    passed += row["passed"]
                    written += 1
    except (IsolationUnavailable, IcarusNotFound) as exc:
        print(f"error: {_as_option(str(exc))}", file=err)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: {written} of {len(items)} verdicts kept in {args.out}; run the same command with "
              f"--resume to score the rest", file=err)
        return 130
    if skipped:
        print(f"{skipped} input line(s) skipped, see the messages above", file=err)
    print(f"scored {written} samples: {passed} passed, {written - passed} failed", file=out)
    return 1 if skipped else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m sim`."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "bench":
        # bench owns its options (sim/bench.py); argparse's REMAINDER would reject a leading `--problems`
        from sim.bench import main as bench_main  # lazy: cocotb only for the benchmark

        return bench_main(argv[1:])
    return score(build_parser().parse_args(argv))
