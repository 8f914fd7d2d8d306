"""Every verdict and every metrics.json name the Icarus release that judged them (verdicts differ between releases)."""
from __future__ import annotations

from crux_program.evaluation.records import VerdictRecord
from crux_program.evaluation.report import summarize
from sim import SimConfig, Verifier
from sim.loaders import load_problems, reference_as_candidate


def test_verdicts_and_metrics_carry_the_simulator_version(verilog_eval_dir):
    problem = load_problems(verilog_eval_dir)[0]
    with Verifier(SimConfig(jobs=1)) as verifier:
        result = verifier.check(problem, reference_as_candidate(problem))
    record = VerdictRecord.from_result(result, 0)
    assert record.simulator.startswith("Icarus Verilog version"), record.simulator
    assert VerdictRecord.from_json(record.to_json()).simulator == record.simulator
    metrics, _ = summarize([record], ks=[1])
    assert metrics.to_json()["simulator"] == record.simulator
