"""Differential mode: a whole group of candidates against the golden reference in ONE cocotb simulation.

    results = run_differential(problem, codes, SimConfig(), workdir)

Steps: read the reference's ports and clocking (pyslang); screen each candidate in-process (top module
declared, parses, ports equal to the reference's); compile the whole group once with Icarus (if that fails,
the candidates its error lines name, or else those that fail to compile alone, get compile/syntax errors and
the rest is compiled again); simulate the group with the reference in one cocotb run; if that simulation dies
(a zero-delay loop, a `$finish`, a crash), simulate each candidate alone so that only the culprit is blamed.
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.config import SimConfig
from sim.differential.harness import (
    WRAPPER_TOP, StimLayout, declared_modules, port_problems, rename_modules, samples_per_cycle, wrapper_source,
)
from sim.differential.stimulus import DiffPlan, harvest_constants
from sim.interface import Clocking, ModuleIO, VerilogParseError, infer_clocking, module_io
from sim.loaders import hidden_suffix
from sim.problem import Problem
from sim.judge import make_result
from sim.result import SimResult, Status
from sim.sandbox import run_sandboxed

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


def _screen(design: _Design, code: str) -> _Verdict | None:
    """In-process checks (about 1 ms): top module declared, parses (pyslang), ports equal the reference's."""
    top = design.problem.top
    if top not in declared_modules(code):
        return _Verdict(Status.COMPILE_ERROR, f"module '{top}' not found: the design must declare `module {top}`")
    try:
        problems = port_problems(design.io, module_io(code, top))
    except VerilogParseError as exc:
        return _Verdict(Status.SYNTAX_ERROR, str(exc))
    if problems:
        return _Verdict(Status.COMPILE_ERROR, "interface differs from the reference: " + "; ".join(problems))
    return None


def _compiler_verdict(output: str, timed_out: bool = False) -> _Verdict:
    status = Status.SYNTAX_ERROR if "syntax error" in output.lower() else Status.COMPILE_ERROR
    lines = output.splitlines()
    first = next((ln for ln in lines if "error:" in ln.lower() or "syntax error" in ln.lower()), output[:200])
    return _Verdict(Status.TIMEOUT if timed_out else status, first.strip(), output)


def _compile_alone(design: _Design, k: int, code: str) -> _Verdict | None:
    """None when candidate k compiles alone with the official flags; else its verdict (group build failed)."""
    top = design.problem.top
    folder = design.workdir / f"cand{k}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cand.sv").write_text(code)
    cmd = ["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", top, "-o", "cand.vvp", "cand.sv"]
    res = run_sandboxed(cmd, folder, min(COMPILE_TIMEOUT_S, design.config.timeout_s), design.config.memory_mb,
                        design.config.max_output_bytes, design.config.max_file_mb)
    if res.timed_out or res.returncode != 0:
        return _compiler_verdict(res.output, res.timed_out)
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


@dataclass
class _BuildFailure:
    """The group did not compile; `output` is the compiler log (its lines name the failing files)."""

    output: str
    folder: Path


def _build(design: _Design, folder: Path, sources: list[Path]) -> _BuildFailure | None:
    """Compile the group exactly as cocotb's Icarus runner would, so its build step finds it up to date.

    One compile of the whole group replaces one compile per candidate; only when it fails are candidates
    compiled alone to find the culprits.
    """
    build = folder / "build"
    build.mkdir(exist_ok=True)
    (build / "cmds.f").write_text("+timescale+1ns/1ps\n")  # what the runner writes for timescale=(1ns, 1ps)
    cmd = ["iverilog", "-o", str(build / "sim.vvp"), "-s", WRAPPER_TOP, "-g2012", "-f", str(build / "cmds.f"),
           *map(str, sources)]
    res = run_sandboxed(cmd, folder, min(COMPILE_TIMEOUT_S, design.config.timeout_s), design.config.memory_mb,
                        design.config.max_output_bytes, design.config.max_file_mb)
    if res.timed_out or res.returncode != 0:
        (build / "sim.vvp").unlink(missing_ok=True)
        return _BuildFailure(res.output, folder)
    return None


def _simulate(design: _Design, members: list[tuple[int, str]],
              tag: str) -> dict[int, _Verdict] | _Verdict | _BuildFailure:
    """One cocotb simulation of the reference and `members` (index, code): verdicts, or why it died."""
    import json

    folder = (design.workdir / f"sim_{tag}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    ref_top = design.problem.reference_top
    hidden = hidden_suffix()  # a candidate must not name the reference, nor a sibling candidate, to use it
    (folder / "ref.sv").write_text(rename_modules(design.problem.reference, f"__ref{hidden}"))
    sources = [folder / "ref.sv"]
    for k, code in members:
        sources.append(folder / f"cand{k}.sv")
        sources[-1].write_text(rename_modules(code, f"__c{k}{hidden}"))
    modules = [f"{design.problem.top}__c{k}{hidden}" for k, _ in members]
    (folder / "diff_top.sv").write_text(wrapper_source(design.io, design.clocking, f"{ref_top}__ref{hidden}",
                                                       modules))
    sources.append(folder / "diff_top.sv")
    failure = _build(design, folder, sources)
    if failure is not None:
        return failure
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
    if res.output_capped:
        return _Verdict(Status.RUNTIME_ERROR, f"the simulation printed more than {design.config.max_output_bytes} "
                        "bytes and was stopped (an endless $display?)", res.output, seconds=res.seconds)
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


def _blame_build(design: _Design, members: list[tuple[int, str]], failure: _BuildFailure) -> dict[int, _Verdict]:
    """Verdicts for the members a failed group build blames (its error lines name their files).

    Only error lines blame: Icarus also names files in warnings and in non-fatal "sorry:" notes, and a valid
    candidate built beside a broken one must not be marked a compile error for those.
    """
    blamed: dict[int, _Verdict] = {}
    errors = [ln for ln in failure.output.splitlines() if "error" in ln.lower()]
    for k, _ in members:
        name = f"cand{k}.sv:"
        lines = [ln for ln in errors if name in ln]
        if lines:
            blamed[k] = _compiler_verdict("\n".join(lines))
    if blamed:
        return blamed
    # Nothing names a candidate (an error surfacing in the wrapper or the reference): compile each alone.
    with ThreadPoolExecutor(max_workers=design.config.workers) as pool:
        alone = list(pool.map(lambda kc: (kc[0], _compile_alone(design, *kc)), members))
    blamed = {k: v for k, v in alone if v is not None}
    if not blamed:  # every candidate compiles alone yet the group does not: report it on all of them
        tail = failure.output.strip().splitlines()[-1:] or [""]
        blamed = {k: _Verdict(Status.RUNTIME_ERROR, f"group build failed: {tail[0]}", failure.output)
                  for k, _ in members}
    return blamed


def _simulate_isolating(design: _Design, members: list[tuple[int, str]], round_: int = 0) -> dict[int, _Verdict]:
    """Simulate the group; drop candidates that break its build, and if the simulation dies, simulate each
    member alone so only the culprit is blamed."""
    if not members:
        return {}
    outcome = _simulate(design, members, f"group{round_}" if round_ else "group")
    if isinstance(outcome, _BuildFailure):
        blamed = _blame_build(design, members, outcome)
        rest = [(k, c) for k, c in members if k not in blamed]
        return {**blamed, **_simulate_isolating(design, rest, round_ + 1)}
    if isinstance(outcome, dict):
        return outcome
    if len(members) == 1:
        return {members[0][0]: outcome}
    with ThreadPoolExecutor(max_workers=design.config.workers) as pool:
        alone = list(pool.map(lambda m: (m[0], _simulate(design, [m], f"alone{m[0]}")), members))
    return {k: _alone_verdict(k, v) for k, v in alone}


def _alone_verdict(k: int, outcome) -> _Verdict:
    if isinstance(outcome, dict):
        return outcome[k]
    if isinstance(outcome, _BuildFailure):
        return _compiler_verdict(outcome.output)
    return outcome


def _to_result(problem: Problem, code: str | None, verdict: _Verdict) -> SimResult:
    """The shared SimResult builder (sim.judge.make_result), so rewards mean the same in every mode."""
    compiled = verdict.status in (Status.PASS, Status.MISMATCH, Status.TIMEOUT, Status.RUNTIME_ERROR) and code is not None
    return make_result(problem, code, verdict.status, mismatches=verdict.mismatches, samples=verdict.samples,
                       log=verdict.log, seconds=verdict.seconds, compiled=compiled, feedback=verdict.feedback)


def run_differential(problem: Problem, codes: list[str | None], config: SimConfig, workdir: Path) -> list[SimResult]:
    """Verdicts for `codes` (extracted Verilog, None = no code) against `problem.reference`, one simulation."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        io = module_io(problem.reference, problem.reference_top)
        clocking = infer_clocking(problem.reference, problem.reference_top)
    except VerilogParseError as exc:
        bad = _Verdict(Status.RUNTIME_ERROR, f"reference of {problem.task_id} is unusable: {exc}")
        return [_to_result(problem, c, bad) for c in codes]
    if not io.outputs:
        bad = _Verdict(Status.RUNTIME_ERROR, f"reference of {problem.task_id} has no outputs: nothing to compare")
        return [_to_result(problem, c, bad) for c in codes]
    design = _Design(problem, io, clocking, config, workdir)
    verdicts: dict[int, _Verdict] = {k: _Verdict(Status.NO_CODE, "no Verilog code found in the completion")
                                     for k, c in enumerate(codes) if c is None}
    members = []
    for k, code in enumerate(codes):
        if code is not None:
            check = _screen(design, code)
            if check is None:
                members.append((k, code))
            else:
                verdicts[k] = check
    verdicts.update(_simulate_isolating(design, members))
    return [_to_result(problem, codes[k], verdicts[k]) for k in range(len(codes))]
