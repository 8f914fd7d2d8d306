"""The pyslang gate never changes an official verdict: it accepts every reference (even those pyslang
or Icarus find fault with semantically) and rejects only code that Icarus also fails to compile."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from sim.gate import syntax_gate
from sim.loaders import load_problems, reference_as_candidate
from sim.mutants import mutants
from tests.sim.official import verilog_eval_official


def test_gate_accepts_all_156_references(verilog_eval_dir):
    problems = load_problems(verilog_eval_dir)
    rejected = [p.task_id for p in problems if not syntax_gate(reference_as_candidate(p)).ok]
    assert rejected == []


def test_gate_rejections_are_official_compile_failures(verilog_eval_dir):
    problems = load_problems(verilog_eval_dir)
    cases = [(p, m) for k, p in enumerate(problems) for m in mutants(reference_as_candidate(p), 3, 100 + k)]
    rejected = [(p, m) for p, m in cases if not syntax_gate(m).ok]
    assert len(rejected) >= 20, "the mutants should include syntax breakers"
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        official = list(pool.map(lambda c: verilog_eval_official(*c), rejected))
    # S (syntax error) or C (compile error): failing either way, never a pass, mismatch or timeout
    assert all(o in ("S", "C") for o in official), [(p.task_id, o) for (p, _), o in zip(rejected, official)
                                                    if o not in ("S", "C")]
    print(f"\ngate: {len(rejected)} of {len(cases)} mutants rejected; official classes "
          f"{ {c: official.count(c) for c in set(official)} }")


def test_gate_reports_line_and_message():
    verdict = syntax_gate("module m(input a, output b);\n assign b = a\nendmodule\n")
    assert not verdict.ok and verdict.message.startswith("2:") and "expected ';'" in verdict.message


def test_gate_leaves_macros_to_the_simulator():
    assert syntax_gate("module m(output [3:0] y); assign y = `WIDTH'd1; endmodule").ok
