"""Each prompt compiler end to end on a tiny budget: scripted LM, the real simulator metric, and a compiled
program that saves, loads back and evaluates."""
from __future__ import annotations

import json

import dspy
import pytest
from dspy.utils import DummyLM

from optimizers.artifacts import load_compiled, read_manifest
from optimizers.bootstrap import BootstrapCompiler
from optimizers.config import BootstrapSettings, GepaSettings, MiproSettings
from optimizers.gepa import GepaCompiler
from optimizers.mipro import MiproCompiler
from optimizers.none import NoCompiler
from sim.adapters.metric import SimMetric
from sim.config import SimConfig
from sim.core import Verifier
from sim.problem import Problem
from tests.optimizers.standins import gate_examples, pipeline_classes, scripted_lm

CruxPipeline, _ = pipeline_classes()
WRONG = frozenset({"or_gate"})  # the scripted model fails this task, so scores and feedback are not all 1


@pytest.fixture(scope="module")
def metric():
    # Differential mode against the gold module; the in-memory verdict cache makes repeated answers free.
    with Verifier(SimConfig(jobs=1, diff_cycles=16, timeout_s=60)) as verifier:
        yield SimMetric(verifier)


@pytest.fixture(scope="module")
def examples():
    return [ex.copy(problem=Problem(task_id=ex.task_id, spec=ex.spec, reference=ex.verilog,
                                    top=ex.crux.interface.module_name, source="synthetic"))
            .with_inputs("spec") for ex in gate_examples(4)]


def _program(examples):
    program = CruxPipeline()
    program.set_lm(scripted_lm(examples, wrong=WRONG))
    return program


def _check_saved_and_evaluates(run_dir, compiler_name, examples, metric, expect_score):
    manifest = read_manifest(run_dir)
    assert manifest.compiler == compiler_name and manifest.model_path is None
    assert (run_dir / "prompts.md").exists() or compiler_name == "none"
    state = json.loads((run_dir / "program.json").read_text())
    assert set(state) == {"spec_to_crux", "crux_to_verilog"}
    loaded = load_compiled(CruxPipeline(), run_dir, lm=scripted_lm(examples, wrong=WRONG))
    result = dspy.Evaluate(devset=examples, metric=metric, num_threads=1, display_progress=False)(loaded)
    assert result.score == pytest.approx(expect_score)
    return state


def test_none_returns_an_equal_copy(examples, metric, tmp_path):
    program = _program(examples)
    compiled = NoCompiler(tmp_path).compile(program, examples)
    assert compiled is not program and compiled.dump_state() == program.dump_state()
    _check_saved_and_evaluates(tmp_path, "none", examples, metric, 75.0)


def test_bootstrap_keeps_only_passing_traces_as_demos(examples, metric, tmp_path):
    settings = BootstrapSettings(max_bootstrapped_demos=2, max_labeled_demos=0, num_candidate_programs=1)
    compiled = BootstrapCompiler(settings, tmp_path, metric).compile(_program(examples), examples[:3], examples[3:])
    # All candidate sets tie on this valset; what matters is which traces were admitted as demos.
    candidates = json.loads((tmp_path / "candidates.json").read_text())
    tasks = {t.split(":")[0] for c in candidates for t in c["bootstrapped_tasks"]}
    assert tasks == {"Task and_gate", "Task xor_gate"}, "only traces that pass the simulator become demos"
    state = _check_saved_and_evaluates(tmp_path, "bootstrap", examples, metric, 75.0)
    assert len(state["crux_to_verilog"]["demos"]) == len(compiled.crux_to_verilog.demos)


def test_mipro_proposes_instructions_and_saves_them(examples, metric, tmp_path):
    proposer = DummyLM({"": {"observations": "gates", "summary": "two-input gates",
                             "program_description": "spec to CRUX to Verilog",
                             "module_description": "writes one stage",
                             "proposed_instruction": "Write the gate exactly as specified."}})
    settings = MiproSettings(auto=None, num_candidates=2, num_trials=2, max_bootstrapped_demos=1,
                             max_labeled_demos=0, minibatch=False)
    compiled = MiproCompiler(settings, tmp_path, metric, prompt_lm=proposer).compile(
        _program(examples), examples[:3], examples[3:])
    assert isinstance(compiled, CruxPipeline)
    _check_saved_and_evaluates(tmp_path, "mipro", examples, metric, 75.0)


def test_gepa_reflects_on_simulator_feedback(examples, metric, tmp_path):
    reflection = DummyLM({"": {"new_instruction": "Use exactly the operator the specification names."}})
    settings = GepaSettings(max_metric_calls=12, reflection_minibatch_size=2)
    compiled = GepaCompiler(settings, tmp_path, metric, reflection_lm=reflection).compile(
        _program(examples), examples, examples)
    # The reflection LM was shown the simulator's words for the failing task.
    shown = " ".join(m["content"] for h in reflection.history for m in h["messages"])
    assert reflection.history and "first differs at cycle" in shown
    _check_saved_and_evaluates(tmp_path, "gepa", examples, metric, 75.0)
    assert (tmp_path / "gepa").is_dir()
    assert isinstance(compiled, CruxPipeline)


def test_mipro_holds_out_a_valset_and_refuses_auto_with_its_own_counts():
    from optimizers.mipro import split_for_mipro

    data = list(range(10))
    train, val = split_for_mipro(data, None)
    assert train == [0, 1] and val == list(range(2, 10)), "DSPy's rule: the last 80% scores candidates"
    assert split_for_mipro(data, [99]) == (data, [99])
    with pytest.raises(ValueError, match="at least 2"):
        split_for_mipro([1], None)
    with pytest.raises(ValueError, match="auto=light sets num_candidates"):
        MiproSettings(auto="light", num_trials=5)
