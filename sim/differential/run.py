"""Differential mode: a whole group of candidates against the golden reference in ONE cocotb simulation.

    results = run_differential(problem, codes, SimConfig(), workdir)

Steps: read the reference's ports and clocking (pyslang); screen each candidate in-process (top module
declared, parses, ports equal to the reference's); compile the whole group once (sim.differential.group) and
simulate it with the reference in one cocotb run.

A group must judge each member as it would be judged alone, so one member never fails or blames another:
- the group build fails: each member is built alone with the reference and the wrapper (the very build its
  alone simulation would use); those that fail alone get their own compiler verdict, the rest are compiled
  together again, and if that fails too, or its simulation dies, each is simulated alone on its alone build.
  The compiler log is never read for file names: a candidate's `line directive can name a sibling's file.
- the group simulation dies (a zero-delay loop, a `$finish`, a crash, no verdict line, a changed sample
  count): each member is simulated alone, so only the culprit is blamed.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sim.config import SimConfig
from sim.differential.group import Built, BuildFailure, Design, Verdict, build, compiler_verdict, simulate
from sim.differential.harness import declared_modules, port_problems
from sim.interface import VerilogParseError, infer_clocking, module_io
from sim.judge import make_result
from sim.problem import Problem
from sim.result import SimResult, Status

Members = list[tuple[int, str]]


def _screen(design: Design, code: str) -> Verdict | None:
    """In-process checks (about 1 ms): top module declared, parses (pyslang), ports equal the reference's."""
    top = design.problem.top
    if top not in declared_modules(code):
        return Verdict(Status.COMPILE_ERROR, f"module '{top}' not found: the design must declare `module {top}`")
    try:
        problems = port_problems(design.io, module_io(code, top))
    except VerilogParseError as exc:
        return Verdict(Status.SYNTAX_ERROR, str(exc))
    except RuntimeError as exc:  # pyslang gives up on pathological nesting (18,000 nested `begin`s): fail closed
        return Verdict(Status.SYNTAX_ERROR, f"the parser gave up on this code ({str(exc) or 'nesting too deep?'})")
    if problems:
        return Verdict(Status.COMPILE_ERROR, "interface differs from the reference: " + "; ".join(problems))
    return None


def _build_alone(design: Design, members: Members) -> dict[int, Built | Verdict]:
    """Each member compiled alone with the reference and the wrapper: its build, or its compiler verdict."""

    def one(member: tuple[int, str]) -> tuple[int, Built | Verdict]:
        built = build(design, [member], f"alone{member[0]}")
        if isinstance(built, BuildFailure):
            return member[0], compiler_verdict(built.output, built.timed_out)
        return member[0], built

    with ThreadPoolExecutor(max_workers=design.config.workers) as pool:
        return dict(pool.map(one, members))


def _simulate_alone(design: Design, alone: dict[int, Built | Verdict]) -> dict[int, Verdict]:
    """Simulate every member that built alone on its own build; the others keep their compiler verdict."""

    def one(item: tuple[int, Built | Verdict]) -> tuple[int, Verdict]:
        k, built = item
        if isinstance(built, Verdict):
            return k, built
        outcome = simulate(design, built)
        return k, outcome[k] if isinstance(outcome, dict) else outcome

    with ThreadPoolExecutor(max_workers=design.config.workers) as pool:
        return dict(pool.map(one, alone.items()))


def _after_build_failure(design: Design, members: Members) -> dict[int, Verdict]:
    """The group did not compile: blame only members that fail alone, then regroup the rest once."""
    alone = _build_alone(design, members)
    blamed = {k: v for k, v in alone.items() if isinstance(v, Verdict)}
    rest = [(k, code) for k, code in members if k not in blamed]
    if len(rest) >= 2:
        regrouped = build(design, rest, "regroup")
        if isinstance(regrouped, Built):
            outcome = simulate(design, regrouped)
            if isinstance(outcome, dict):
                return {**blamed, **outcome}
    return _simulate_alone(design, alone)


def _judge_group(design: Design, members: Members) -> dict[int, Verdict]:
    """Verdicts of `members` from one group simulation, falling back to alone builds or runs (module doc)."""
    if not members:
        return {}
    built = build(design, members, "group")
    if isinstance(built, BuildFailure):
        if len(members) == 1:
            return {members[0][0]: compiler_verdict(built.output, built.timed_out)}
        return _after_build_failure(design, members)
    outcome = simulate(design, built)
    if isinstance(outcome, dict):
        return outcome
    if len(members) == 1:
        return {members[0][0]: outcome}
    return _simulate_alone(design, _build_alone(design, members))


def _to_result(problem: Problem, code: str | None, verdict: Verdict) -> SimResult:
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
        bad = Verdict(Status.RUNTIME_ERROR, f"reference of {problem.task_id} is unusable: {exc}")
        return [_to_result(problem, c, bad) for c in codes]
    if not io.outputs:
        bad = Verdict(Status.RUNTIME_ERROR, f"reference of {problem.task_id} has no outputs: nothing to compare")
        return [_to_result(problem, c, bad) for c in codes]
    design = Design(problem, io, clocking, config, workdir)
    verdicts: dict[int, Verdict] = {k: Verdict(Status.NO_CODE, "no Verilog code found in the completion")
                                    for k, c in enumerate(codes) if c is None}
    members = []
    for k, code in enumerate(codes):
        if code is not None:
            check = _screen(design, code)
            if check is None:
                members.append((k, code))
            else:
                verdicts[k] = check
    verdicts.update(_judge_group(design, members))
    return [_to_result(problem, codes[k], verdicts[k]) for k in range(len(codes))]
