"""A direct, minimal re-implementation of the official command-line flows: the oracle the Verifier must
agree with. Deliberately independent of sim/: plain shell commands as NVlabs' Makefile runs them, and the
pass rule read straight off scripts/sv-iv-analyze and RTLLM's checker."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sim.problem import Problem

MAKEFILE_RULE = (
    "iverilog -Wall -Winfloop -Wno-timescale -g2012 -s tb -o {n}_sample01 {n}_sample01.sv {n}_test.sv {n}_ref.sv"
    " > {n}.log 2>&1; timeout 30 vvp -n ./{n}_sample01 >> {n}.log 2>&1;"
    ' if [ $? = 124 ]; then echo TIMEOUT >> {n}.log; fi'
)


def official_class(log: str) -> str:
    """sv-iv-analyze's log verdict: '.', 'S', 'T', 'C' (any compile-type class) or 'R' (run failure)."""
    compile_error = zero = False
    for line in log.splitlines():
        if "syntax error" in line:
            return "S"
        if "TIMEOUT" in line:
            return "T"
        if any(k in line for k in ("error: This assignment requires an explicit cast", "Unknown module type",
                                   "error: Sized numeric constant", "is declared here as wire",
                                   "found no sensitivities", "always_comb process has no sensitivities",
                                   "Unable to bind wire/reg/memory `clk'")):
            return "C"
        compile_error |= "error" in line or "Unable to bind wire/reg" in line
        zero |= re.fullmatch(r"Mismatches: 0 in \d+ samples", line) is not None
    return "C" if compile_error else ("." if zero else "R")


def verilog_eval_official(problem: Problem, code: str) -> str:
    """Run the Makefile rule in a fresh folder and classify its log."""
    work = Path(tempfile.mkdtemp(prefix="official_"))
    try:
        n = "p"
        (work / f"{n}_sample01.sv").write_text(code)
        (work / f"{n}_test.sv").write_text(problem.testbench or "")
        (work / f"{n}_ref.sv").write_text(problem.reference)
        subprocess.run(["bash", "-c", MAKEFILE_RULE.format(n=n)], cwd=work, check=False)
        return official_class((work / f"{n}.log").read_text(errors="replace"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def rtllm_official(problem: Problem, code: str) -> bool:
    """RTLLM: compile testbench + design, run in a folder with the data files, pass on 'Pass'/'pass'."""
    work = Path(tempfile.mkdtemp(prefix="official_rtllm_"))
    try:
        for name, src in problem.extra_files.items():
            shutil.copy(src, work / name)
        (work / "testbench.v").write_text(problem.testbench or "")
        (work / "design.v").write_text(code)
        comp = subprocess.run(["iverilog", "-g2012", "-o", "simv", "testbench.v", "design.v"], cwd=work,
                              capture_output=True, text=True)
        if comp.returncode != 0:
            return False
        try:
            run = subprocess.run(["vvp", "-n", "simv"], cwd=work, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            return False
        return "Pass" in run.stdout or "pass" in run.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)


# How a Verifier status maps onto the official classes.
STATUS_TO_CLASS = {"pass": {"."}, "syntax_error": {"S"}, "compile_error": {"C"}, "timeout": {"T"},
                   "mismatch": {"R"}, "runtime_error": {"R"}}
