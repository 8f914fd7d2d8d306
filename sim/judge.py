"""Judge extracted candidate code on one problem: size cap, preprocessing, screen, syntax gate, then simulation.

These functions run inside pool workers; `sim.core.Verifier` handles extraction, caching and grouping. What is
screened is what is compiled: the candidate as Icarus' preprocessor expands it (`sim.preprocess`).
"""
from __future__ import annotations

import re

from pathlib import Path

import pyslang

from sim.config import SimConfig
from sim.gate import syntax_gate
from sim.loaders import module_defs
from sim.preprocess import PREPROCESSED_MB, preprocess
from sim.problem import Problem
from sim.result import RewardParts, SimResult, Status
from sim.sandbox import SimDir
from sim.screen import screen_tree
from sim.silence import silence_output
from sim import rtllm, verilog_eval

LOG_TAIL_CHARS = 2000
_HINT = re.compile(r"^Hint: Output '[^']*' has \d+ mismatches\. First mismatch occurred at time \d+\.$", re.M)
_PROBLEM_WORD = re.compile(r"syntax error|error|Error|sorry|Unknown module|Unable to bind|TIMEOUT|Failed")


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
    word = _PROBLEM_WORD.search(log)  # then its line, found by hand: `^.*word.*$` is quadratic on a long line
    if word:
        end = log.find("\n", word.end())
        text = log[log.rfind("\n", 0, word.start()) + 1:len(log) if end < 0 else end].strip()
    else:
        text = (log.strip().splitlines() or [status.value])[0]
    return text[:300]


def make_result(problem: Problem, code: str | None, status: Status, *, mismatches: int = 0, samples: int = 0,
                log: str = "", seconds: float = 0.0, compiled: bool = False, feedback: str | None = None) -> SimResult:
    """Assemble a SimResult with its reward components."""
    rewards = RewardParts(format=format_score(problem, code), compile=1.0 if compiled else 0.0,
                          functional=functional_score(status, mismatches, samples))
    return SimResult(task_id=problem.task_id, status=status, mismatches=mismatches, samples=samples,
                     log_tail=log[-LOG_TAIL_CHARS:], seconds=seconds, rewards=rewards,
                     feedback=feedback if feedback is not None else feedback_of(status, log))


_HEADER = re.compile(r"^[ \t]*module[ \t]+TopModule\b", re.MULTILINE)


def with_interface(problem: Problem, code: str) -> str:
    """The answer as the official flow compiles it: the problem's interface text in front, when it has one
    (VerilogEval code-complete) and the answer does not declare the module itself (sv-generate's rule)."""
    if problem.interface_prefix is None or _HEADER.search(code):
        return code
    return problem.interface_prefix.rstrip("\n") + "\n" + code


def admit(problem: Problem, code: str | None, config: SimConfig) -> tuple[str | None, SimResult | None]:
    """(the answer as it will be compiled, None), or (None, its verdict): no code, or larger than
    `max_candidate_bytes` (fails closed before any tool reads it)."""
    if code is None:
        return None, make_result(problem, None, Status.NO_CODE, feedback="no Verilog module found in the answer")
    code = with_interface(problem, code)
    size = len(code.encode("utf-8", errors="replace"))
    if size > config.max_candidate_bytes:
        why = (f"the answer is {size} bytes, more than the {config.max_candidate_bytes} a candidate may have "
               "(sim.max_candidate_bytes)")
        return None, make_result(problem, code, Status.SYNTAX_ERROR, log=why, feedback=why)
    return code, None


def vet(problem: Problem, code: str, text: str, config: SimConfig) -> SimResult | None:
    """The verdict on preprocessed `text` reached without a simulator (None: simulate it): too large once
    expanded, refused by the allowlist screen, or a certain parse error (the pyslang gate)."""
    if len(text) > PREPROCESSED_MB << 20:
        why = f"the expanded answer is larger than {PREPROCESSED_MB} MB (a macro that expands without bound?)"
        return make_result(problem, code, Status.SYNTAX_ERROR, log=why, feedback=why)
    try:
        tree = pyslang.syntax.SyntaxTree.fromText(text)
        screened = screen_tree(tree, text)
    except (RuntimeError, RecursionError, MemoryError) as exc:  # the parser gave up (nesting depth): fail closed
        why = f"the answer could not be parsed safely ({type(exc).__name__}: {str(exc)[:200]})"
        return make_result(problem, code, Status.SYNTAX_ERROR, log=why, feedback=why)
    if not screened.ok:
        return make_result(problem, code, Status.RUNTIME_ERROR, feedback=f"refused: {screened.reason}")
    if config.gate:
        gate = syntax_gate(text, tree)
        if not gate.ok:
            return make_result(problem, code, Status.SYNTAX_ERROR, log=gate.message, feedback=gate.message)
    return None


def prepare(problem: Problem, code: str | None, config: SimConfig, workdir: Path,
            silence: bool = False) -> tuple[str | None, SimResult | None]:
    """(text to compile, None), or (None, the verdict reached without a simulation): `admit`, then Icarus'
    preprocessor (bounded, jailed), then `vet`, then with `silence` the output calls removed (pass rules that
    read the output)."""
    code, early = admit(problem, code, config)
    if early is not None:
        return None, early
    assert code is not None
    pre = preprocess(code, config, workdir)
    if not pre.ok:
        assert pre.status is not None
        return None, make_result(problem, code, pre.status, log=pre.log)
    early = vet(problem, code, pre.text, config)
    if early is not None:
        return None, early
    # silenced after the screen: the silencer's own no-op (`$fflush`) is not the candidate's to call
    return (silence_output(pre.text) if silence else pre.text), None


def judge_testbench(problem: Problem, code: str | None, config: SimConfig) -> SimResult:
    """The benchmark's official rule for one candidate."""
    with SimDir() as workdir:
        if problem.source == "rtllm":  # RTLLM passes any output holding "pass"
            # nothing the candidate prints may reach the text the verdict is read from: silenced before compiling
            text, early = prepare(problem, code, config, workdir, silence=True)
            if early is not None:
                return early
            assert text is not None
            run = rtllm.run_testbench(problem, text, config, workdir)
        else:  # one jailed call preprocesses and compiles; the expansion is vetted before anything runs
            code, early = admit(problem, code, config)
            if early is not None:
                return early
            assert code is not None
            outcome = verilog_eval.run_testbench(problem, code, config, workdir,
                                                 vet=lambda text: vet(problem, code, text, config))
            if isinstance(outcome, SimResult):
                return outcome
            run = outcome
    return make_result(problem, code, run.status, mismatches=run.mismatches, samples=run.samples, log=run.log,
                       seconds=run.seconds, compiled=run.compiled)


def judge_differential(problem: Problem, codes: list[str | None], config: SimConfig) -> list[SimResult]:
    """Reference vs every candidate of one problem in ONE cocotb simulation (sim.differential)."""
    from sim.differential import run_differential  # lazy: cocotb is only needed in this mode

    simulated: list[SimResult] = []
    with SimDir(prefix="diff_") as workdir:
        prepared = [prepare(problem, code, config, workdir / f"pre{k}") for k, code in enumerate(codes)]
        live = [text for text, _ in prepared]
        if any(text is not None for text in live):
            simulated = run_differential(problem, live, config, workdir / "group")
    return [early if early is not None else simulated[k] for k, (_, early) in enumerate(prepared)]
