"""Differential mode: a whole group of candidates against the golden reference in ONE cocotb simulation.

    results = run_differential(problem, codes, SimConfig(), workdir)

Steps: read the reference's ports and clocking (pyslang); check each candidate alone (iverilog compile,
top module present, ports equal to the reference's) in parallel; simulate every candidate that passed those
checks together with the reference; if the group simulation dies (a zero-delay loop, a `$finish`, a crash),
simulate each of its candidates alone so that only the culprit is blamed.
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.config import SimConfig
from sim.differential.harness import (
    StimLayout, declared_modules, port_problems, rename_modules, samples_per_cycle, wrapper_source,
)
from sim.differential.stimulus import DiffPlan, harvest_constants
from sim.interface import Clocking, ModuleIO, VerilogParseError, infer_clocking, module_io
from sim.problem import Problem
from sim.result import RewardParts, SimResult, Status
from sim.sandbox import run_sandboxed

LOG_TAIL = 2000
COMPILE_TIMEOUT_S = 20.0
CHILD_SCRIPT = Path(__file__).resolve().parent / "child.py"


@dataclass
class _Verdict:
    """A candidate's verdict before its SimResult is built (seconds are added at the end)."""

    status: Status
    feedback: str = ""
    log: str = ""
    mismatches: int = 0
    samples: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Design:
    """What every simulation of this problem shares."""

    problem: Problem
    io: ModuleIO
    clocking: Clocking
    config: SimConfig
    workdir: Path


def _compile_alone(design: _Design, k: int, code: str) -> _Verdict | None:
    """None when candidate k compiles alone and fits the reference's ports; else its verdict."""
    start = time.monotonic()
    top = design.problem.top
    if top not in declared_modules(code):
        return _Verdict(Status.COMPILE_ERROR, f"module '{top}' not found: the design must declare `module {top}`")
    folder = design.workdir / f"cand{k}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cand.sv").write_text(code)
    cmd = ["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", top, "-o", "cand.vvp", "cand.sv"]
    res = run_sandboxed(cmd, folder, min(COMPILE_TIMEOUT_S, design.config.timeout_s), design.config.memory_mb,
                        design.config.max_output_bytes, design.config.max_file_mb)
    seconds = time.monotonic() - start
    if res.timed_out or res.returncode != 0:
        status = Status.SYNTAX_ERROR if "syntax error" in res.output.lower() else Status.COMPILE_ERROR
        if res.timed_out:
            status = Status.TIMEOUT
        lines = res.output.splitlines()
        first = next((ln for ln in lines if "error:" in ln.lower() or "syntax error" in ln.lower()), res.output[:200])
        return _Verdict(status, first.strip(), res.output, seconds=seconds)
    try:
        problems = port_problems(design.io, module_io(code, top))
    except VerilogParseError as exc:
        return _Verdict(Status.SYNTAX_ERROR, str(exc), seconds=seconds)
    if problems:
        return _Verdict(Status.COMPILE_ERROR, "interface differs from the reference: " + "; ".join(problems),
                        seconds=seconds)
    return None


def _plan(design: _Design, n: int, results_path: Path) -> DiffPlan:
    layout = StimLayout.of(design.io, design.clocking)
    return DiffPlan(
        seed=design.config.seed,
        cycles=design.config.diff_cycles,
        stim_width=layout.width,
        fields=[(p.name, lsb, p.width) for p, lsb in layout.fields],
        outputs=[(p.name, p.width) for p in design.io.outputs],
        n_candidates=n,
        sequential=design.clocking.clock is not None,
        results_path=str(results_path),
        reset_lsb=layout.lsb_of(design.clocking.reset) if design.clocking.reset else None,
        reset_active_low=design.clocking.reset_active_low,
        samples_per_cycle=samples_per_cycle(design.clocking),
        constants=harvest_constants(design.problem.reference),
        initial_samples=int(design.clocking.clock is not None and design.clocking.reset is None),
    )


def _simulate(design: _Design, members: list[tuple[int, str]], tag: str) -> dict[int, _Verdict] | _Verdict:
    """One cocotb simulation of the reference and `members` (index, code): verdicts, or why it died."""
    import json

    folder = (design.workdir / f"sim_{tag}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    ref_top = design.problem.reference_top
    (folder / "ref.sv").write_text(rename_modules(design.problem.reference, "__ref"))
    sources = [folder / "ref.sv"]
    for k, code in members:
        sources.append(folder / f"cand{k}.sv")
        sources[-1].write_text(rename_modules(code, f"__c{k}"))
    modules = [f"{design.problem.top}__c{k}" for k, _ in members]
    (folder / "diff_top.sv").write_text(wrapper_source(design.io, design.clocking, f"{ref_top}__ref", modules))
    sources.append(folder / "diff_top.sv")
    results_path = folder / "results.json"
    _plan(design, len(members), results_path).write(folder / "plan.json")
    cmd = [sys.executable, str(CHILD_SCRIPT), design.config.simulator, str(folder / "build"),
           str(folder / "plan.json"), *map(str, sources)]
    env = _child_env()
    res = run_sandboxed(cmd, folder, design.config.timeout_s, max(design.config.memory_mb, 2048),
                        design.config.max_output_bytes, design.config.max_file_mb, env)
    if res.timed_out:
        return _Verdict(Status.TIMEOUT, f"simulation did not finish within {design.config.timeout_s:g} s "
                        "(a zero-delay loop or a design that never settles?)", res.output, seconds=res.seconds)
    if not results_path.exists():
        first = next((line for line in res.output.splitlines() if "error" in line.lower()), "")
        return _Verdict(Status.RUNTIME_ERROR, f"simulation ended without results (a $finish/$stop or a crash?) "
                        f"{first.strip()}".strip(), res.output, seconds=res.seconds)
    data = json.loads(results_path.read_text())["candidates"]
    share = res.seconds / max(1, len(members))
    return {k: _from_counts(d, res.output, share) for (k, _), d in zip(members, data)}


def _child_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the child needs only cocotb; the simulator gets this folder on its path
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["COCOTB_REWRITE_ASSERTION_FILES"] = ""
    return env


def _from_counts(d: dict, log: str, seconds: float) -> _Verdict:
    mismatches, samples = int(d["mismatches"]), int(d["samples"])
    if samples == 0:
        return _Verdict(Status.RUNTIME_ERROR, "no output was sampled", log, seconds=seconds)
    if mismatches == 0:
        return _Verdict(Status.PASS, "", log, 0, samples, seconds)
    feedback = (f"output '{d['output']}' first differs at cycle {d['cycle']}: expected {d['expected']}, "
                f"got {d['got']} ({mismatches} of {samples} samples mismatched)")
    return _Verdict(Status.MISMATCH, feedback, log, mismatches, samples, seconds)


def _simulate_isolating(design: _Design, members: list[tuple[int, str]]) -> dict[int, _Verdict]:
    """Simulate the group; if it dies, simulate each member alone so only the culprit gets the failure."""
    if not members:
        return {}
    outcome = _simulate(design, members, "group")
    if isinstance(outcome, dict):
        return outcome
    if len(members) == 1:
        return {members[0][0]: outcome}
    with ThreadPoolExecutor(max_workers=design.config.workers) as pool:
        alone = list(pool.map(lambda m: (m[0], _simulate(design, [m], f"alone{m[0]}")), members))
    return {k: (v[k] if isinstance(v, dict) else v) for k, v in alone}


def _to_result(task_id: str, code: str | None, verdict: _Verdict) -> SimResult:
    status = verdict.status
    has_top = status not in (Status.NO_CODE,) and not verdict.feedback.startswith("module '")
    compiled = status in (Status.PASS, Status.MISMATCH, Status.TIMEOUT, Status.RUNTIME_ERROR) and code is not None
    if status is Status.PASS:
        functional = 1.0
    elif verdict.samples:
        functional = 1.0 - verdict.mismatches / verdict.samples
    else:
        functional = 0.0
    rewards = RewardParts(format=float(code is not None and has_top), compile=float(compiled), functional=functional)
    return SimResult(task_id, status, verdict.mismatches, verdict.samples, verdict.log[-LOG_TAIL:],
                     verdict.seconds, rewards, verdict.feedback)


def run_differential(problem: Problem, codes: list[str | None], config: SimConfig, workdir: Path) -> list[SimResult]:
    """Verdicts for `codes` (extracted Verilog, None = no code) against `problem.reference`, one simulation."""
    if config.simulator != "icarus":
        raise ValueError(f"differential mode runs on Icarus only (SimConfig.simulator={config.simulator!r}): "
                         "use simulator='icarus'; see docs/SIM_DIFFERENTIAL.md for the state of Verilator")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        io = module_io(problem.reference, problem.reference_top)
        clocking = infer_clocking(problem.reference, problem.reference_top)
    except VerilogParseError as exc:
        bad = _Verdict(Status.RUNTIME_ERROR, f"reference of {problem.task_id} is unusable: {exc}")
        return [_to_result(problem.task_id, c, bad) for c in codes]
    if not io.outputs:
        bad = _Verdict(Status.RUNTIME_ERROR, f"reference of {problem.task_id} has no outputs: nothing to compare")
        return [_to_result(problem.task_id, c, bad) for c in codes]
    design = _Design(problem, io, clocking, config, workdir)
    verdicts: dict[int, _Verdict] = {k: _Verdict(Status.NO_CODE, "no Verilog code found in the completion")
                                     for k, c in enumerate(codes) if c is None}
    present = [(k, c) for k, c in enumerate(codes) if c is not None]
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        checks = list(pool.map(lambda kc: _compile_alone(design, *kc), present))
    members = []
    for (k, code), check in zip(present, checks):
        if check is None:
            members.append((k, code))
        else:
            verdicts[k] = check
    verdicts.update(_simulate_isolating(design, members))
    return [_to_result(problem.task_id, codes[k], verdicts[k]) for k in range(len(codes))]
