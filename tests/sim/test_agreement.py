"""Verdicts agree with the official flows on mutated and prose-wrapped solutions.

The oracle (tests/sim/official.py) runs the official command lines directly. By default a deterministic
slice of VerilogEval is used to stay inside the CI budget; CRUX_AGREEMENT_FULL=1 runs every problem
(the figure in docs/SIM.md).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor


from sim import SimConfig, Verifier
from sim.loaders import load_problems, reference_as_candidate
from sim.mutants import mutants
from tests.sim.official import STATUS_TO_CLASS, rtllm_official, verilog_eval_official

FULL = os.environ.get("CRUX_AGREEMENT_FULL") == "1"
SLOW = {"Prob144_conwaylife", "Prob082_lfsr32", "Prob141_count_clock"}  # seconds each; kept for the full run

WRAPPERS = [
    "Here is the implementation:\n\n```verilog\n{code}\n```\n\nThis module satisfies the spec.",
    "## Code Implementation\n{code}\n",
    "Sure.\n```systemverilog\n{code}```",
    "{code}",
]


def _cases(problems, per_problem: int, seed: int):
    cases = []
    for k, p in enumerate(problems):
        ref = reference_as_candidate(p)
        for j, code in enumerate(mutants(ref, per_problem, seed + k)):
            cases.append((p, code, WRAPPERS[(k + j) % len(WRAPPERS)].format(code=code)))
        cases.append((p, ref, WRAPPERS[k % len(WRAPPERS)].format(code=ref)))
    return cases


def _agree(status: str, official: str) -> bool:
    return official in STATUS_TO_CLASS[status]


def test_verilog_eval_mutants_and_prose_agree_with_official(verilog_eval_dir):
    problems = load_problems(verilog_eval_dir)
    if not FULL:
        problems = [p for i, p in enumerate(problems) if i % 6 == 0 and p.task_id not in SLOW]
    cases = _cases(problems, per_problem=3 if FULL else 2, seed=11)
    with Verifier(SimConfig(jobs=2)) as verifier:
        results = verifier.check_many([(p, wrapped) for p, _code, wrapped in cases])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        official = list(pool.map(lambda c: verilog_eval_official(c[0], c[1]), cases))
    disagreements = [(p.task_id, r.status.value, o, r.feedback) for (p, _c, _w), r, o in zip(cases, results, official)
                     if not _agree(r.status.value, o)]
    statuses = {s: sum(r.status.value == s for r in results) for s in STATUS_TO_CLASS}
    print(f"\nagreement: {len(cases) - len(disagreements)}/{len(cases)} verdicts; statuses {statuses}")
    assert not disagreements, disagreements
    # the mutants must exercise more than one failure class, or this test proves little
    assert statuses["pass"] > 0 and statuses["mismatch"] > 0 and statuses["syntax_error"] > 0
    assert statuses["compile_error"] > 0


def test_rtllm_mutants_and_prose_agree_with_official(rtllm_dir):
    problems = load_problems(rtllm_dir)
    cases = _cases(problems, per_problem=3, seed=5)
    with Verifier(SimConfig(jobs=2, timeout_s=30)) as verifier:
        results = verifier.check_many([(p, wrapped) for p, _code, wrapped in cases])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        official = list(pool.map(lambda c: rtllm_official(c[0], c[1]), cases))
    disagreements = [(p.task_id, r.status.value, o) for (p, _c, _w), r, o in zip(cases, results, official)
                     if r.passed != o]
    print(f"\nrtllm agreement: {len(cases) - len(disagreements)}/{len(cases)} pass/fail verdicts, "
          f"{sum(r.passed for r in results)} pass")
    assert not disagreements, disagreements
    assert any(r.passed for r in results) and not all(r.passed for r in results)
