"""VerilogEval v2's official pass rule, reproduced on Icarus.

The official Makefile compiles `iverilog -Wall -Winfloop -Wno-timescale -g2012 -s tb -o BIN sample.sv
test.sv ref.sv` into a log, appends the output of `timeout 30 ./BIN` (and `TIMEOUT` when the timeout fired),
and NVlabs' `scripts/sv-iv-analyze` classifies the log line by line. `classify_log` is that classifier;
`run_testbench` runs the same commands inside the sandbox. Deliberate differences, each closing a way to pass
without the design:
- the candidate is compiled as Icarus' preprocessor expanded it (the text the screen vetted), LAST, after the
  testbench and the reference, behind a `` `resetall `` (so it starts from the defaults it would have had as the
  first file): nothing its file opens (a comment, a `default_nettype`) can reach the trusted files. (`iverilog -u`,
  one compilation unit per file, would do the same, but Icarus 11 crashes with it on a file-level `typedef
  enum`, which honest answers use.)
- every module of the testbench and the reference gets a fresh suffix per run (`tb` -> `tb_3f9a...`, `-s` follows
  it): a candidate can neither instantiate `RefModule` and forward its outputs nor supply its own `tb`;
- the testbench's verdict line carries a per-run nonce (`Mismatches:` -> `<nonce>Mismatches:`): only that line
  counts, so a verdict the candidate prints (`$display` with numbers) is no verdict;
- `vvp -n` (a `$stop` ends the run instead of waiting at a prompt), run with a private, read-only view of the
  run folder (`sim.isolation`);
- a log that compared 0 samples or comes from a run that did not exit cleanly is no pass.
"""
from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sim.config import SimConfig
from sim.loaders import hidden_suffix, instance_names, module_defs, suffix_names
from sim.problem import Problem
from sim.result import SimResult, Status
from sim.sandbox import run_sandboxed

IVERILOG_FLAGS = ["-Wall", "-Winfloop", "-Wno-timescale", "-g2012"]
_PREPROCESS_FAILED = 97  # exit status of the jailed script when `iverilog -E` failed
# Compiled just before the expanded candidate: its directives start from the defaults, as in the first position
CANDIDATE_PROLOGUE = "`resetall\n"
_VERDICT_LITERAL = '"Mismatches:'  # how the testbench's verdict string starts
OFFICIAL_TIMEOUT_S = 30.0
_MISMATCH = re.compile(r"^Mismatches: (\d+) in \d+ samples$")
# The counts behind the functional score come from whole verdict lines only: a line the candidate printed is
# defused with a prefix (`trusted_log`), so it can neither pass nor lend its counts to the partial credit.
_ANY_MISMATCH = re.compile(r"^Mismatches: (\d+) in (\d+) samples", re.MULTILINE)
_VERDICT_LINE = re.compile(r"^Mismatches:", re.MULTILINE)

# sv-iv-analyze's one-letter classes and the Status each maps to.
CODE_STATUS = {
    ".": Status.PASS, "S": Status.SYNTAX_ERROR, "e": Status.COMPILE_ERROR, "0": Status.COMPILE_ERROR,
    "n": Status.COMPILE_ERROR, "w": Status.COMPILE_ERROR, "m": Status.COMPILE_ERROR,
    "p": Status.COMPILE_ERROR, "c": Status.COMPILE_ERROR, "C": Status.COMPILE_ERROR, "T": Status.TIMEOUT,
    "r": Status.MISMATCH, "R": Status.MISMATCH,  # refined to RUNTIME_ERROR when no mismatch line exists
}


@dataclass(frozen=True)
class OfficialClass:
    """What sv-iv-analyze says about one log: its class letter, and the mismatch counts we read too."""

    code: str
    mismatches: int
    samples: int


def classify_log(log: str, verilog: str) -> OfficialClass:
    """sv-iv-analyze's `analyze_result`, line for line (first matching rule wins, as there)."""
    code = "?"
    error_c = error_p = no_mismatch = False
    for line in log.splitlines(keepends=True):
        if "syntax error" in line:
            code = "S"
            break
        if "error" in line:
            error_c = True
        if "error: This assignment requires an explicit cast" in line:
            code = "e"
            break
        if "error: Sized numeric constant must have a size greater than zero" in line:
            code = "0"
            break
        if "warning: always_comb process has no sensitivities" in line \
                or "found no sensitivities so it will never trigger" in line:
            code = "n"
            break
        if "is declared here as wire" in line:
            code = "w"
            break
        if "Unknown module type" in line:
            code = "m"
            break
        if "Unable to bind wire/reg" in line:
            error_p = True
        if "Unable to bind wire/reg/memory `clk'" in line:
            code = "c"
            break
        if "TIMEOUT" in line:
            code = "T"
            break
        match = _MISMATCH.match(line)
        if match and int(match.group(1)) == 0:
            no_mismatch = True
    if code == "?" and error_p:
        code = "p"
    if code == "?" and error_c:
        code = "C"
    if code == "?" and no_mismatch:
        code = "."
    if code == "?":
        resets = ("posedge reset", "negedge reset", "posedge r)")
        code = "r" if any(r in line for line in verilog.splitlines() for r in resets) else "R"
    counts = _ANY_MISMATCH.findall(log)
    mismatches, samples = (int(counts[-1][0]), int(counts[-1][1])) if counts else (0, 0)
    return OfficialClass(code, mismatches, samples)


def status_of(cls: OfficialClass) -> Status:
    """Map an official class to a Status; a runtime failure without mismatches is a runtime error."""
    status = CODE_STATUS[cls.code]
    if status is Status.MISMATCH and cls.mismatches == 0:
        return Status.RUNTIME_ERROR
    return status


@dataclass(frozen=True)
class TestbenchRun:
    """Raw outcome of one testbench simulation, before it becomes a SimResult."""

    status: Status
    mismatches: int
    samples: int
    log: str
    seconds: float
    compiled: bool
    official_code: str


def compile_ok(log: str, returncode: int | None) -> bool:
    """Did iverilog produce a binary without errors (warnings allowed)."""
    return returncode == 0 and "error" not in log


def sign_verdicts(testbench: str, nonce: str) -> str:
    """The testbench with `nonce` in front of its verdict string (`"Mismatches: %1d in %1d samples"`)."""
    return testbench.replace(_VERDICT_LITERAL, '"' + nonce + _VERDICT_LITERAL[1:])


def trusted_log(log: str, nonce: str) -> tuple[str, int]:
    """The log with the testbench's signed verdict lines unsigned and every other verdict-looking line defused
    (prefixed, so the official classifier does not read it), and how many signed lines there were."""
    lines, signed = [], 0
    for line in log.splitlines(keepends=True):
        if line.startswith(nonce):
            lines.append(line[len(nonce):])
            signed += 1
        elif "Mismatches:" in line:
            lines.append("[candidate output] " + line)
        else:
            lines.append(line)
    return "".join(lines), signed


def run_testbench(problem: Problem, code: str, config: SimConfig, workdir: Path,
                  vet: Callable[[str], SimResult | None] | None = None) -> TestbenchRun | SimResult:
    """Preprocess `code` with Icarus, compile the expansion against the VerilogEval testbench, and run it, all in
    `workdir`. `vet(expanded_text)` may return a verdict before anything runs (the screen and gate of
    `sim.judge`); preprocessing and compiling share one jailed call, which executes nothing of the candidate's."""
    # Fixed neutral names: file names appear in every log line, and a task id containing `error` (say,
    # `syn/error_detector`) would otherwise disqualify every run of it.
    raw, sample, test, ref, binary = (workdir / "answer.sv", workdir / "sample01.sv", workdir / "test.sv",
                                      workdir / "ref.sv", workdir / "sample01")
    raw.write_text(code)
    # Every trusted module gets a fresh suffix: under its published name (`RefModule`, `tb`) the candidate could
    # instantiate the reference and forward its outputs, or bring a testbench of its own.
    trusted = [m for m in module_defs(problem.reference) + module_defs(problem.testbench or "") if m != problem.top]
    trusted += instance_names(problem.testbench or "")  # `good1.q` upwards from the design is the reference's
    suffix = hidden_suffix()
    nonce = f"@{secrets.token_hex(8)}@"
    signable = _VERDICT_LITERAL in (problem.testbench or "")
    testbench = sign_verdicts(suffix_names(problem.testbench or "", trusted, suffix), nonce)
    test.write_text(testbench)
    ref.write_text(suffix_names(problem.reference, trusted, suffix))
    tools = config.icarus
    limits = dict(memory_mb=config.memory_mb, max_output_bytes=config.max_output_bytes,
                  max_file_mb=config.max_file_mb, isolation=config.isolation, tools=tools.jail_paths)
    tb_top = (problem.tb_top or "tb") + (suffix if (problem.tb_top or "tb") in trusted else "")
    prologue = workdir / "prologue.sv"
    prologue.write_text(CANDIDATE_PROLOGUE)
    iverilog = shlex.quote(str(tools.iverilog))
    script = (f"{iverilog} -E -o {sample.name} {raw.name} || exit {_PREPROCESS_FAILED}; exec {iverilog} "
              f"{' '.join(IVERILOG_FLAGS)} -s {tb_top} -o {binary.name} {test.name} {ref.name} {prologue.name} "
              f"{sample.name}")
    comp = run_sandboxed(["sh", "-c", script], workdir, config.timeout_s, **limits)
    log, seconds = comp.output, comp.seconds
    if not comp.timed_out and comp.returncode == _PREPROCESS_FAILED:
        status = Status.SYNTAX_ERROR if "syntax error" in log else Status.COMPILE_ERROR
        return TestbenchRun(status, 0, 0, log, seconds, False, "S" if status is Status.SYNTAX_ERROR else "C")
    if vet is not None and sample.is_file() and not comp.timed_out:
        verdict = vet(sample.read_text(errors="replace"))
        if verdict is not None:
            return verdict
    if comp.timed_out:
        return TestbenchRun(Status.TIMEOUT, 0, 0, log + "\nTIMEOUT (compile)\n", seconds, False, "T")
    if comp.output_capped:
        return TestbenchRun(Status.RUNTIME_ERROR, 0, 0, log, seconds, False, "R")
    compiled = compile_ok(log, comp.returncode)
    vvp_status: int | None = None
    signed = 0
    if binary.exists():
        run = run_sandboxed([str(tools.vvp), "-n", binary.name], workdir, config.timeout_s, writable=False,
                            **limits)
        out, signed = trusted_log(run.output, nonce) if signable else (run.output, -1)
        log, seconds, vvp_status = log + out, seconds + run.seconds, run.returncode
        if run.timed_out:
            log += "TIMEOUT\n"  # what the official Makefile appends when `timeout 30` fires
        elif run.output_capped:
            return TestbenchRun(Status.RUNTIME_ERROR, 0, 0, log, seconds, compiled, "R")
    cls = classify_log(log, code)
    refused = _unproven_pass(cls, log, vvp_status, signed) if cls.code == "." else None
    if refused:
        return TestbenchRun(Status.RUNTIME_ERROR, cls.mismatches, cls.samples, log + f"\nREFUSED: {refused}\n",
                            seconds, compiled, "R")
    return TestbenchRun(status_of(cls), cls.mismatches, cls.samples, log, seconds, compiled, cls.code)


def _unproven_pass(cls: OfficialClass, log: str, vvp_status: int | None, signed: int = -1) -> str | None:
    """Why a log the official rule passes does not show the testbench's own verdict; None if it does.

    The official rule passes any log holding "Mismatches: 0 in N samples". Every VerilogEval testbench prints that
    line once, from a `final` block, after a clean `$finish`; a log that departs from that let the candidate
    decide. `signed`: how many verdict lines carried the run's nonce (-1: the testbench has no verdict string to
    sign, so every verdict-looking line counts)."""
    if signed == -1 and len(_VERDICT_LINE.findall(log)) > 1:  # the second one came from the candidate
        return "the candidate printed a verdict line of its own"
    if signed not in (-1, 1):
        return f"the testbench printed {signed} verdict lines (one expected)"
    if cls.samples == 0:  # "Mismatches: 0 in 0 samples": the run ended before anything was compared
        return "no samples were compared"
    if vvp_status != 0:  # a crash after the candidate printed a line: the testbench's final block never ran
        return f"the simulator did not finish cleanly (exit status {vvp_status})"
    return None
