"""One differential simulation: write the group's sources, compile them, run the cocotb child, read its verdict.

    built = build(design, [(0, code0), (3, code3)], "group")   # Built, or BuildFailure with the compiler log
    verdicts = simulate(design, built)                          # {0: Verdict, 3: Verdict}, or one Verdict: it died

Each simulation draws a fresh hidden suffix (every trusted module and wrapper name, sim.differential.names)
and a fresh nonce. Every member's modules, file-level declarations and macros are renamed with it too, so no
`$unit` name or macro of one member reaches another (Icarus 11's `-u`, one compilation unit per file, would do
this but crashes on a file-level enum `typedef`). The verdict is the single stdout line that
starts with the nonce (cocotb_test.py); the candidates print into the same stdout but cannot know the nonce,
and no results file is read from a folder they can write. The sample count in that line must equal the
count the plan implies (stimulus.expected_samples): the functional score counts the harness's comparisons
only.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from sim.config import SimConfig
from sim.differential.harness import StimLayout, rename_modules, reset_lsb, samples_per_cycle, wrapper_source
from sim.differential.names import WrapperNames
from sim.differential.stimulus import DiffPlan, expected_samples, harvest_constants
from sim.interface import Clocking, ModuleIO
from sim.isolation import python_paths, writable_dir
from sim.loaders import hidden_suffix
from sim.problem import Problem
from sim.result import Status
from sim.sandbox import SandboxResult, run_sandboxed

COMPILE_TIMEOUT_S = 20.0
HERE = Path(__file__).resolve().parent
CHILD_SCRIPT = HERE / "child.py"
NONCE_ENV = "SIM_DIFF_NONCE"  # child.NONCE_ENV: child.py moves it out of the simulator's reach
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH")  # what Python, cocotb and Icarus need to start


@dataclass
class Verdict:
    """A candidate's verdict before its SimResult is built."""

    status: Status
    feedback: str = ""
    log: str = ""
    mismatches: int = 0
    samples: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Design:
    """What every simulation of this problem shares."""

    problem: Problem
    io: ModuleIO
    clocking: Clocking
    config: SimConfig
    workdir: Path


@dataclass
class BuildFailure:
    """The sources did not compile together; `output` is the compiler log."""

    output: str
    timed_out: bool = False


@dataclass
class Built:
    """A compiled simulation of `members` ((index, code) pairs), ready to run."""

    members: list[tuple[int, str]]
    folder: Path
    plan: DiffPlan


@dataclass(frozen=True)
class CandidateCounts:
    """One candidate's line in the verdict: mismatches, and where the first one was."""

    mismatches: int
    cycle: int = 0
    output: str = ""
    expected: str = ""
    got: str = ""


@dataclass(frozen=True)
class Report:
    """The verdict line of one simulation: the wrapper's sample count and each member's counts."""

    samples: int
    candidates: list[CandidateCounts]


def compiler_verdict(output: str, timed_out: bool = False) -> Verdict:
    """Verdict of a member whose own build (alone with the reference and the wrapper) failed."""
    status = Status.SYNTAX_ERROR if "syntax error" in output.lower() else Status.COMPILE_ERROR
    lines = output.splitlines()
    first = next((ln for ln in lines if "error:" in ln.lower() or "syntax error" in ln.lower()), output[:200])
    return Verdict(Status.TIMEOUT if timed_out else status, first.strip(), output)


def make_plan(design: Design, n: int, suffix: str) -> DiffPlan:
    """The stimulus plan of a simulation of `n` candidates whose wrapper names end with `suffix`."""
    layout = StimLayout.of(design.io, design.clocking)
    reset = reset_lsb(layout, design.clocking)
    return DiffPlan(
        seed=design.config.seed,
        cycles=design.config.diff_cycles,
        stim_width=layout.width,
        fields=[(p.name, lsb, p.width) for p, lsb in layout.fields],
        outputs=[(p.name, p.width) for p in design.io.outputs],
        n_candidates=n,
        sequential=design.clocking.clock is not None,
        suffix=suffix,
        reset_lsb=reset,
        reset_active_low=design.clocking.reset_active_low,
        samples_per_cycle=samples_per_cycle(design.clocking),
        constants=harvest_constants(design.problem.reference),
        initial_samples=int(design.clocking.clock is not None and reset is None),
    )


def _sandbox(design: Design, cmd: list[str], folder: Path, timeout_s: float, memory_mb: int,
             env: dict[str, str] | None = None, *, runs_candidate: bool = False) -> SandboxResult:
    """Compile steps write `folder`; the step that executes candidate code (the cocotb child and its vvp) gets
    a private tmpfs holding read-only binds of it, plus read-only Python and this package's folder."""
    cfg = design.config
    readable = (*python_paths(), HERE) if runs_candidate else ()
    return run_sandboxed(cmd, folder, timeout_s, memory_mb, cfg.max_output_bytes, cfg.max_file_mb, env,
                         writable=not runs_candidate, readable=readable, isolation=cfg.isolation,
                         tools=cfg.icarus.jail_paths)


def build(design: Design, members: list[tuple[int, str]], tag: str) -> Built | BuildFailure:
    """Write the reference, the wrapper and the members into `sim_<tag>` and compile them together."""
    folder = (design.workdir / f"sim_{tag}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    hidden = hidden_suffix()  # nothing a candidate can spell: the reference, its siblings, the wrapper
    names = WrapperNames(hidden)
    ports = frozenset(p.name for p in design.io.ports)  # the wrapper connects the top by these names
    modules = [f"{design.problem.top}__c{k}{hidden}" for k, _ in members]
    # Trusted files first: whatever a member leaves open at its end (a directive, a comment, an `ifdef) can
    # only reach the members after it, and a build that breaks that way is rebuilt member by member (run.py).
    # Each member starts with `resetall and has its modules, file-level names and macros renamed, so nothing
    # one member declares is seen by another.
    sources = [folder / "ref.sv", folder / "wrapper.sv"]
    sources[0].write_text(rename_modules(design.problem.reference, f"__ref{hidden}", ports))
    sources[1].write_text(wrapper_source(design.io, design.clocking,
                                         f"{design.problem.reference_top}__ref{hidden}", modules, names))
    for k, code in members:
        sources.append(folder / f"cand{k}.sv")
        sources[-1].write_text("`resetall\n" + rename_modules(code, f"__c{k}{hidden}", ports))
    out = writable_dir(folder / "build")  # iverilog runs as the jail's unprivileged user
    # Candidates without a `timescale` get 1ns/1ps, as under cocotb's runner (its timescale=("1ns", "1ps")).
    (out / "cmds.f").write_text("+timescale+1ns/1ps\n")
    cmd = [str(design.config.icarus.iverilog), "-g2012", "-o", str(out / "sim.vvp"), "-s", names.top,
           "-f", str(out / "cmds.f"),
           *map(str, sources)]
    res = _sandbox(design, cmd, folder, min(COMPILE_TIMEOUT_S, design.config.timeout_s), design.config.memory_mb)
    if res.timed_out or res.returncode != 0:
        (out / "sim.vvp").unlink(missing_ok=True)
        return BuildFailure(res.output, res.timed_out)
    plan = make_plan(design, len(members), hidden)
    plan.write(folder / "plan.json")
    return Built(list(members), folder, plan)


def read_report(output: str, nonce: str, n_candidates: int) -> Report | None:
    """The verdict line that starts with `nonce`, parsed; None when there is not exactly one well-formed one."""
    lines = [line for line in output.splitlines() if nonce in line]
    if len(lines) != 1 or not lines[0].startswith(nonce + " "):
        return None
    try:
        data = json.loads(lines[0][len(nonce) + 1:])
        samples, rows = data["samples"], data["candidates"]
        if not isinstance(samples, int) or not isinstance(rows, list) or len(rows) != n_candidates:
            return None
        counts = [CandidateCounts(int(r["mismatches"]), int(r.get("cycle", 0)), str(r.get("output", "")),
                                  str(r.get("expected", "")), str(r.get("got", ""))) for r in rows]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return Report(samples, counts)


def _child_env(nonce: str, tools: Path | None = None) -> dict[str, str]:
    """A minimal environment: the simulator runs candidate code, which could print whatever it can read
    (`/proc/self/environ` included), so nothing of the harness's environment (keys, tokens) goes along.
    `tools`: a folder put first on PATH, where cocotb's runner finds `iverilog` and `vvp`."""
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    if tools is not None:
        env["PATH"] = os.pathsep.join([str(tools), *filter(None, [env.get("PATH")])])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["COCOTB_REWRITE_ASSERTION_FILES"] = ""
    env[NONCE_ENV] = nonce
    return env


def _tool_links(folder: Path, config: SimConfig) -> Path:
    """`folder/icarus_bin` holding links named `iverilog` and `vvp` to the configured build: cocotb's runner runs
    `vvp` from PATH (and looks for `iverilog` there), whatever the configured programs are called."""
    links = folder / "icarus_bin"
    links.mkdir(exist_ok=True)
    for name, target in config.icarus.programs.items():
        link = links / name
        if not link.is_symlink() or Path(os.readlink(link)) != target:
            link.unlink(missing_ok=True)
            link.symlink_to(target)
    return links


def simulate(design: Design, built: Built) -> dict[int, Verdict] | Verdict:
    """Run one compiled simulation: each member's verdict, or one Verdict saying why the simulation died."""
    cfg = design.config
    nonce = secrets.token_hex(16)
    top = WrapperNames(built.plan.suffix).top
    cmd = [sys.executable, str(CHILD_SCRIPT), cfg.simulator, top, str(built.folder / "build"),
           str(built.folder / "plan.json")]
    res = _sandbox(design, cmd, built.folder, cfg.timeout_s, max(cfg.memory_mb, 2048),
                   _child_env(nonce, _tool_links(built.folder, cfg)), runs_candidate=True)
    if res.timed_out:
        return Verdict(Status.TIMEOUT, f"simulation did not finish within {cfg.timeout_s:g} s "
                       "(a zero-delay loop or a design that never settles?)", res.output, seconds=res.seconds)
    if res.output_capped:
        return Verdict(Status.RUNTIME_ERROR, f"the simulation printed more than {cfg.max_output_bytes} "
                       "bytes and was stopped (an endless $display?)", res.output, seconds=res.seconds)
    report = read_report(res.output, nonce, len(built.members))
    if report is None:
        first = next((line for line in res.output.splitlines() if "error" in line.lower()), "")
        return Verdict(Status.RUNTIME_ERROR, f"simulation ended without results (a $finish/$stop or a crash?) "
                       f"{first.strip()}".strip(), res.output, seconds=res.seconds)
    expected = expected_samples(built.plan)
    if report.samples != expected:
        return Verdict(Status.RUNTIME_ERROR, f"the harness's sample count was changed ({report.samples} "
                       f"comparisons instead of {expected}): only the harness may compare outputs",
                       res.output, seconds=res.seconds)
    share = res.seconds / max(1, len(built.members))
    return {k: from_counts(c, report.samples, res.output, share) for (k, _), c in zip(built.members,
                                                                                      report.candidates)}


def from_counts(counts: CandidateCounts, samples: int, log: str, seconds: float) -> Verdict:
    """PASS or MISMATCH (with the first mismatch as feedback) from one candidate's counts."""
    if samples == 0:
        return Verdict(Status.RUNTIME_ERROR, "no output was sampled", log, seconds=seconds)
    if counts.mismatches == 0:
        return Verdict(Status.PASS, "", log, 0, samples, seconds)
    feedback = (f"output '{counts.output}' first differs at cycle {counts.cycle}: expected {counts.expected}, "
                f"got {counts.got} ({counts.mismatches} of {samples} samples mismatched)")
    return Verdict(Status.MISMATCH, feedback, log, counts.mismatches, samples, seconds)
