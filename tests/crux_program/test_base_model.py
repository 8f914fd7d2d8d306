"""The shipped base model: its folder loads, its manifest is disjoint from the curriculum's test designs, and a run
on a model trained on a test design stops with the names of the overlapping problems."""
from __future__ import annotations

from pathlib import Path

import dspy
import pytest
import yaml

from crux_program.errors import UserError
from crux_program.lm.base_model import (MANIFEST, TrainingData, check_disjoint, export_base_model,
                                        reference_digest, training_data_of)
from sim.problem import Problem

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "crux_program" / "lm" / "base_model"
AND = "module a(input x, y, output z);\n  assign z = x & y; // and\nendmodule"
OR = "module o(input x, y, output z);\n  assign z = x | y;\nendmodule"


def problem(task_id: str, reference: str) -> Problem:
    return Problem(task_id=task_id, spec="s", reference=reference, top="top", source="synthetic")


def test_digest_ignores_comments_spacing_and_module_name():
    assert reference_digest(AND) == reference_digest("module other (input x, y, output z); assign z = x & y;\nendmodule")
    assert reference_digest(AND) != reference_digest(OR)


def test_a_test_problem_the_model_was_trained_on_stops_the_run(tmp_path):
    examples = [dspy.Example(task_id="t", spec="s", problem=problem("t", AND))]
    TrainingData("test", {"seed": 0}, 1, training_data_of(examples, "d", {}).reference_digests).save(tmp_path)
    check_disjoint(tmp_path, [problem("p1", OR)])  # disjoint: nothing happens
    check_disjoint(None, [problem("p1", AND)])  # no model folder (a served model): nothing to check
    with pytest.raises(UserError, match=r"1 test problem.*trained on \(p2\)"):
        check_disjoint(tmp_path, [problem("p1", OR), problem("p2", AND)])


def test_export_copies_weights_tokenizer_and_manifest(tmp_path):
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    for name in ("model.safetensors", "config.json", "tokenizer.json", "optimizer.pt"):
        (checkpoint / name).write_text("x")
    target = export_base_model(checkpoint, tmp_path / "base", TrainingData("d", {}, 0, []))
    assert sorted(p.name for p in target.iterdir()) == sorted(["model.safetensors", "config.json", "tokenizer.json",
                                                                MANIFEST])
    with pytest.raises(UserError, match="model.safetensors"):
        export_base_model(tmp_path / "base" / "missing", tmp_path / "other", TrainingData("d", {}, 0, []))


def test_shipped_base_model_is_small_loads_and_names_its_data():
    size = sum(p.stat().st_size for p in BASE.iterdir())
    assert size <= 20 * 2**20, f"the shipped base model is {size / 2**20:.1f} MB (at most 20 MB)"
    training = TrainingData.load(BASE)
    assert training is not None and training.reference_digests and "direct" in training.description
    assert training.data["synthetic"]["held_out_families"], "the held-out families stay out of its training data"
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(BASE)
    assert AutoTokenizer.from_pretrained(BASE).chat_template and model.num_parameters() < 5_000_000
    default = yaml.safe_load((REPO / "conf" / "data" / "synthetic.yaml").read_text())["synthetic"]
    for key in ("seed", "size", "rename_fraction", "rename_copies", "held_out_families"):
        assert default[key] == training.data["synthetic"][key], f"the default curriculum's {key} is not the base's"
