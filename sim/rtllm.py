"""RTLLM v2's pass rule, reproduced on Icarus.

The official flow (Synopsys VCS) counts a design passed when the simulation finishes in time and its output
contains `Pass` or `pass` (testbenches print `===========Your Design Passed===========`). Here: the testbench
and the candidate are compiled with `iverilog -g2012 -s <tb_top>` in a run folder holding the design's data
files (testbenches `$readmemh` them by relative name), then run under the wall timeout, since some
testbenches wait forever on a design that never answers. As in `sim.verilog_eval`: the candidate compiled as
Icarus expanded it, after the testbench (so nothing it opens reaches the testbench), the testbench's modules
renamed with a fresh suffix, the run step jailed with a read-only view of the
run folder, and the testbench's pass sentence signed with a per-run nonce: only a line the testbench printed
from its own string literal can carry "pass" (the candidate's output calls are removed as well, `sim.silence`).
"""
from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

from sim.config import SimConfig
from sim.loaders import hidden_suffix, instance_names, module_defs, suffix_names
from sim.problem import Problem
from sim.result import Status
from sim.sandbox import run_sandboxed
from sim.screen import STRING_OR_COMMENT
from sim.verilog_eval import TestbenchRun

_FAILURES = re.compile(r"(\d+)\s*/\s*(\d+)\s*failures")
_ERROR_LINE = re.compile(r"^\s*(?:Error\b|Failed at)", re.MULTILINE)
_FORMAT_OR_ESCAPE = re.compile(r"%[-+ 0#]*[0-9.]*[a-zA-Z%]|\\.")


def pass_sentences(testbench: str) -> list[str]:
    """The pieces of the testbench's own string literals that hold "Pass"/"pass" (split at format specifiers
    and escapes, which print as something else): `===========Your Design Passed===========` for RTLLM."""
    literals = (m.group(0)[1:-1] for m in STRING_OR_COMMENT.finditer(testbench) if m.group(0).startswith('"'))
    pieces = (p for lit in literals for p in _FORMAT_OR_ESCAPE.split(lit))
    return [p for p in pieces if "Pass" in p or "pass" in p]


def sign_pass_sentences(testbench: str, nonce: str) -> tuple[str, bool]:
    """The testbench with `nonce` at the start of every string literal holding "Pass"/"pass" (outside comments),
    and whether there was one."""
    signed = False

    def sign(m: re.Match) -> str:
        nonlocal signed
        text = m.group(0)
        if text.startswith('"') and ("Pass" in text or "pass" in text):
            signed = True
            return '"' + nonce + text[1:]
        return text

    return STRING_OR_COMMENT.sub(sign, testbench), signed


def passed_signed(output: str, nonce: str) -> bool:
    """A line the testbench printed from a signed literal, holding "Pass"/"pass" after the nonce."""
    for line in output.splitlines():
        at = line.find(nonce)
        if at >= 0 and ("Pass" in line[at:] or "pass" in line[at:]):
            return True
    return False


def passed_text(output: str, testbench: str | None = None) -> bool:
    """RTLLM's check on the simulation output: it holds "Pass" or "pass".

    With the testbench given, the word must come as part of one of the testbench's own pass sentences when it
    has any. The candidate's output calls are removed (`sim.silence`) and string literals holding the word are
    refused (`sim.screen`), but the simulator's own messages name scopes the candidate chose: Icarus 12 prints
    "Scope: tb.uut.<label>" when an assertion without an action fails, and VCS does likewise, so a block named
    `Pass` would pass the plain rule. A right design makes the testbench print its whole sentence, so this
    fails nothing that the official rule passes honestly."""
    if "Pass" not in output and "pass" not in output:
        return False
    sentences = pass_sentences(testbench) if testbench else []
    return not sentences or any(s in output for s in sentences)


def run_testbench(problem: Problem, code: str, config: SimConfig, workdir: Path) -> TestbenchRun:
    """Compile and run `code` (the preprocessed, silenced candidate) against the RTLLM testbench in `workdir`."""
    for name, src in problem.extra_files.items():
        shutil.copyfile(src, workdir / name)
    trusted = [m for m in module_defs(problem.testbench or "") if m != problem.top]
    trusted += instance_names(problem.testbench or "")  # the instance names a design could reach upwards
    suffix = hidden_suffix()
    nonce = f"@{secrets.token_hex(8)}@"
    testbench, signed = sign_pass_sentences(suffix_names(problem.testbench or "", trusted, suffix), nonce)
    (workdir / "testbench.v").write_text(testbench)
    (workdir / "design.v").write_text(code)
    tools = config.icarus
    limits = dict(memory_mb=config.memory_mb, max_output_bytes=config.max_output_bytes,
                  max_file_mb=config.max_file_mb, isolation=config.isolation, tools=tools.jail_paths)
    tb_top = problem.tb_top + suffix if problem.tb_top in trusted else problem.tb_top
    top = ["-s", tb_top] if tb_top else []
    comp = run_sandboxed([str(tools.iverilog), "-g2012", *top, "-o", "sim.vvp", "testbench.v", "design.v"],
                         workdir, config.timeout_s, **limits)
    log, seconds = comp.output, comp.seconds
    if comp.timed_out:
        return TestbenchRun(Status.TIMEOUT, 0, 0, log + "\nTIMEOUT (compile)\n", seconds, False, "T")
    if comp.returncode != 0 or comp.output_capped or not (workdir / "sim.vvp").exists():
        status = Status.SYNTAX_ERROR if "syntax error" in log else Status.COMPILE_ERROR
        return TestbenchRun(status, 0, 0, log, seconds, False, "C")
    run = run_sandboxed([str(tools.vvp), "-n", "sim.vvp"], workdir, config.timeout_s, writable=False, **limits)
    log, seconds = log + run.output, seconds + run.seconds
    counts = _FAILURES.findall(run.output)
    mismatches, samples = (int(counts[-1][0]), int(counts[-1][1])) if counts else (0, 0)
    if run.timed_out:
        return TestbenchRun(Status.TIMEOUT, mismatches, samples, log + "TIMEOUT\n", seconds, True, "T")
    if run.output_capped:
        return TestbenchRun(Status.RUNTIME_ERROR, mismatches, samples, log, seconds, True, "R")
    passed = passed_signed(run.output, nonce) if signed else passed_text(run.output)
    if passed:
        return TestbenchRun(Status.PASS, 0, samples, log.replace(nonce, ""), seconds, True, ".")
    status = Status.MISMATCH if run.returncode == 0 else Status.RUNTIME_ERROR
    if status is Status.MISMATCH and not counts:
        # No "N/M failures" summary: count the testbench's per-vector error lines (at least one).
        mismatches = max(1, len(_ERROR_LINE.findall(run.output)))
    return TestbenchRun(status, mismatches, samples, log.replace(nonce, ""), seconds, True, "R")
