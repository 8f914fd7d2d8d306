"""RFT sampling: failed runs are counted and shown (all failing stops RFT), an invalid CRUX call is never kept,
the time cap stops new runs, and samples.jsonl is written as samples finish. No model weights needed."""
from __future__ import annotations

import json
import time

import dspy
import pytest

import crux_program.modules as modules
from optimizers.config import RFTSettings
from optimizers.rft import RFTCompiler
from tests.optimizers.standins import gate_examples, pipeline_classes, scripted_lm

CruxPipeline, DirectVerilog = pipeline_classes()


def _passes(example, pred, trace=None, pred_name=None, pred_trace=None):
    return 1.0  # a stand-in metric: every run "passes", so only RFT's own filters decide what is kept


class ServerDown(DirectVerilog):
    """A program whose LM server is unreachable for the specs `down` picks."""

    down = staticmethod(lambda spec: True)

    def forward(self, spec, **kwargs):
        if self.down(spec):
            raise ConnectionError("connection refused (server at localhost:8000)")
        return super().forward(spec=spec, **kwargs)


def test_failed_runs_score_zero_are_logged_and_all_failing_stops_rft(tmp_path):
    examples = gate_examples(2)
    down_task = examples[0].task_id
    program = ServerDown()
    program.down = lambda spec: f"Task {down_task}:" in spec
    program.set_lm(scripted_lm(examples))
    compiler = RFTCompiler(RFTSettings(samples_per_example=2), tmp_path, _passes)
    samples = compiler.sample(program, examples)
    assert len(samples) == 4
    failed = [s for s in samples if s.error]
    assert {s.task_id for s in failed} == {down_task} and all(s.score == 0.0 and not s.calls for s in failed)
    lines = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and sum("connection refused" in r["error"] for r in lines) == 2

    program.down = lambda spec: True
    with pytest.raises(RuntimeError, match="All 4 RFT samples failed.*connection refused"):
        compiler.sample(program, examples)


def test_a_crux_call_that_made_no_valid_crux_is_not_kept(tmp_path, monkeypatch):
    examples = gate_examples(1)
    program = CruxPipeline()
    program.set_lm(scripted_lm(examples))

    def refuse(**_):  # the CRUX fields parsed but do not make a valid CRUX
        raise ValueError("no ports")

    monkeypatch.setattr(modules, "Crux", refuse)
    (sample,) = RFTCompiler(RFTSettings(samples_per_example=1), tmp_path, _passes).sample(program, examples)
    assert sample.score == 1.0 and [name for name, _, _ in sample.calls] == ["crux_to_verilog"]


def test_sampling_starts_no_run_after_its_time(tmp_path):
    examples = gate_examples(2)
    program = DirectVerilog()
    program.set_lm(scripted_lm(examples))
    compiler = RFTCompiler(RFTSettings(samples_per_example=2), tmp_path, _passes)
    assert compiler.sample(program, examples, stop_at=time.perf_counter() - 1.0) == []
    assert RFTCompiler(RFTSettings(max_time_s=60.0), tmp_path / "capped", _passes).time_cap() == 60.0
    with pytest.raises(ValueError, match="sample_fraction"):
        RFTSettings(sample_fraction=1.0)
