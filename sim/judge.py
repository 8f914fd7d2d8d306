"""Judge extracted candidate code on one problem: screen, syntax gate, then testbench or differential.

These functions run inside pool workers; `sim.core.Verifier` handles extraction, caching and grouping.
"""
from __future__ import annotations

import re

from sim.config import SimConfig
from sim.gate import syntax_gate
from sim.loaders import module_defs
from sim.problem import Problem
from sim.result import RewardParts, SimResult, Status
from sim.sandbox import SimDir
from sim.screen import screen
from sim.silence import silence_output
from sim import rtllm, verilog_eval

LOG_TAIL_CHARS = 2000
_HINT = re.compile(r"^Hint: Output '[^']*' has \d+ mismatches\. First mismatch occurred at time \d+\.$", re.M)
_PROBLEM_LINE = re.compile(r"^.*(?:syntax error|error|Error|sorry|Unknown module|Unable to bind|TIMEOUT|Failed).*$",
                           re.MULTILINE)


def format_score(problem: Problem, code: str | None) -> float:
    """1.0 when code was extracted and declares the module the testbench instantiates."""
    return 1.0 if code is not None and problem.top in module_defs(code) else 0.0


def functional_score(status: Status, mismatches: int, samples: int) -> float:
    """1.0 on pass; else the matching fraction of samples, kept below 1.0 so a failure never ties a pass."""
    if status is Status.PASS:
        return 1.0
    if samples <= 0:
        return 0.0
    return max(0.0, min(0.99, 1.0 - mismatches / samples))


def feedback_of(status: Status, log: str) -> str:
    """A short reason: the first mismatch hint, or the first error-looking log line."""
    if status is Status.PASS:
        return ""
    capped = re.search(r"\[output truncated[^\]]*\]", log)
    if capped:
        return capped.group(0)
    hint = _HINT.search(log)
    if status is Status.MISMATCH and hint:
        return hint.group(0)
    line = _PROBLEM_LINE.search(log)
    text = line.group(0).strip() if line else (log.strip().splitlines() or [status.value])[0]
    return text[:300]


def make_result(problem: Problem, code: str | None, status: Status, *, mismatches: int = 0, samples: int = 0,
                log: str = "", seconds: float = 0.0, compiled: bool = False, feedback: str | None = None) -> SimResult:
    """Assemble a SimResult with its reward components."""
    rewards = RewardParts(format=format_score(problem, code), compile=1.0 if compiled else 0.0,
                          functional=functional_score(status, mismatches, samples))
    return SimResult(task_id=problem.task_id, status=status, mismatches=mismatches, samples=samples,
                     log_tail=log[-LOG_TAIL_CHARS:], seconds=seconds, rewards=rewards,
                     feedback=feedback if feedback is not None else feedback_of(status, log))


def precheck(problem: Problem, code: str | None, config: SimConfig) -> SimResult | None:
    """Verdicts reached without a simulator: no code, refused file access or tampering, certain syntax error."""
    if code is None:
        return make_result(problem, None, Status.NO_CODE, feedback="no Verilog module found in the answer")
    screened = screen(code)
    if not screened.ok:
        return make_result(problem, code, Status.RUNTIME_ERROR, feedback=f"refused: {screened.reason}")
    if config.gate:
        gate = syntax_gate(code)
        if not gate.ok:
            return make_result(problem, code, Status.SYNTAX_ERROR, log=gate.message, feedback=gate.message)
    return None


def judge_testbench(problem: Problem, code: str | None, config: SimConfig) -> SimResult:
    """The benchmark's official rule for one candidate."""
    rtllm_rule = problem.source == "rtllm"  # RTLLM passes any output holding "pass"
    if rtllm_rule and code is not None:
        code = silence_output(code)  # nothing the candidate prints may reach the text the verdict is read from
    early = precheck(problem, code, config)
    if early is not None:
        return early
    assert code is not None
    flow = rtllm if rtllm_rule else verilog_eval
    with SimDir() as workdir:
        run = flow.run_testbench(problem, code, config, workdir)
    return make_result(problem, code, run.status, mismatches=run.mismatches, samples=run.samples, log=run.log,
                       seconds=run.seconds, compiled=run.compiled)


def judge_differential(problem: Problem, codes: list[str | None], config: SimConfig) -> list[SimResult]:
    """Reference vs every candidate of one problem in ONE cocotb simulation (sim.differential)."""
    from sim.differential import run_differential  # lazy: cocotb is only needed in this mode

    early = [precheck(problem, code, config) for code in codes]
    live = [code if verdict is None else None for code, verdict in zip(codes, early)]
    simulated: list[SimResult] = []
    if any(code is not None for code in live):
        with SimDir(prefix="diff_") as workdir:
            simulated = run_differential(problem, live, config, workdir)
    return [verdict if verdict is not None else simulated[i] for i, verdict in enumerate(early)]
