"""A rerun into the same folder reuses a finished compile (optimizers.reuse): what must match, and what must not
be reused (an interrupted compile, a deleted checkpoint, changed settings, data or model)."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json
from dataclasses import dataclass

import pytest

from optimizers.artifacts import save_compiled
from optimizers.base import Compiler
from optimizers.config import SFTSettings
from optimizers.reuse import KEY_FILE, compile_or_reuse
from optimizers.sft import SFTCompiler
from tests.optimizers.standins import gate_examples, local_lm_class, pipeline_classes, scripted_lm, tiny_model

CruxPipeline, DirectVerilog = pipeline_classes()


@dataclass
class Report:
    trained: int


class CountingCompiler(Compiler):
    """Adds one demo and counts its compile() calls; `fail` raises half-way, as a Ctrl-C would."""

    name = "counting"
    calls = 0

    def __init__(self, run_dir, setting: int = 1, fail: bool = False, reusable: bool = True) -> None:
        super().__init__(run_dir)
        self.setting, self.fail, self.reusable, self.report = setting, fail, reusable, None

    def reuse_key(self):
        return {"setting": self.setting} if self.reusable else None

    def compile(self, program, trainset, valset=None, *, budget=None):
        type(self).calls += 1
        tuned = program.deepcopy()
        tuned.spec_to_verilog.demos = [trainset[0]]
        save_compiled(tuned, self.run_dir, compiler=self.name, train_examples=len(trainset))
        if self.fail:
            raise KeyboardInterrupt
        self.report = Report(trained=type(self).calls)
        return tuned


@pytest.fixture
def program():
    examples = gate_examples()
    prog = DirectVerilog()
    prog.set_lm(scripted_lm(examples))
    CountingCompiler.calls = 0
    return prog


def test_a_finished_compile_is_reused_with_its_report(program, tmp_path):
    first = compile_or_reuse(CountingCompiler(tmp_path), program, gate_examples())
    again = compile_or_reuse(CountingCompiler(tmp_path), program, gate_examples())
    assert CountingCompiler.calls == 1 and not first.reused and again.reused
    assert again.report == first.report == {"trained": 1}
    assert again.program.spec_to_verilog.demos[0]["spec"] == gate_examples()[0].spec
    assert program.spec_to_verilog.demos == []  # the input program is left as it was


@pytest.mark.parametrize("change", ["setting", "trainset", "valset", "program"])
def test_a_changed_input_compiles_again(program, tmp_path, change):
    compile_or_reuse(CountingCompiler(tmp_path), program, gate_examples())
    setting, train, val = 1, gate_examples(), None
    if change == "setting":
        setting = 2
    elif change == "trainset":
        train = gate_examples(3)
    elif change == "valset":
        val = gate_examples(1)
    else:
        program.spec_to_verilog.signature = program.spec_to_verilog.signature.with_instructions("Other words.")
    assert not compile_or_reuse(CountingCompiler(tmp_path, setting), program, train, val).reused
    assert CountingCompiler.calls == 2


def test_an_interrupted_compile_is_not_reused(program, tmp_path):
    compile_or_reuse(CountingCompiler(tmp_path), program, gate_examples())
    assert (tmp_path / KEY_FILE).is_file()
    with pytest.raises(KeyboardInterrupt):  # a rerun that is itself interrupted after rewriting the folder
        compile_or_reuse(CountingCompiler(tmp_path, setting=2, fail=True), program, gate_examples())
    assert not (tmp_path / KEY_FILE).exists()
    assert not compile_or_reuse(CountingCompiler(tmp_path), program, gate_examples()).reused
    assert CountingCompiler.calls == 3


def test_a_compiler_without_a_reuse_key_always_compiles(program, tmp_path):
    for _ in range(2):
        assert not compile_or_reuse(CountingCompiler(tmp_path, reusable=False), program, gate_examples()).reused
    assert CountingCompiler.calls == 2 and not (tmp_path / KEY_FILE).exists()


def test_sft_is_reused_without_training_and_retrains_when_its_checkpoint_is_gone(tmp_path):
    base = tiny_model(tmp_path / "tiny", gate_examples())
    make_lm = local_lm_class(max_tokens=8)
    settings = SFTSettings(lora=False, max_steps=2, per_device_train_batch_size=4, device="cpu")
    run_dir = tmp_path / "sft"

    def compile_once(model=base, steps=2):
        program = DirectVerilog()
        program.set_lm(make_lm(model))
        s = SFTSettings(**{**settings.__dict__, "max_steps": steps})
        return compile_or_reuse(SFTCompiler(s, run_dir), program, gate_examples())

    first = compile_once()
    weights = run_dir / "checkpoint" / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    again = compile_once()
    assert again.reused and weights.stat().st_mtime_ns == stamp  # nothing was trained or written
    assert again.report["steps"] == first.report["steps"] == 2 and again.seconds == pytest.approx(first.seconds, abs=0.5)
    assert again.program.spec_to_verilog.lm.model_path == run_dir / "checkpoint"
    assert isinstance(again.program(spec=gate_examples()[0].spec).verilog, str)  # it runs on the checkpoint

    assert not compile_once(steps=3).reused  # other settings: trained again
    assert json.loads((run_dir / "sft_report.json").read_text())["steps"] == 3

    # the same settings as the folder's last run, but a different starting model (its weight files differ)
    other = tiny_model(tmp_path / "tiny2", gate_examples(2))
    assert compile_once(steps=3).reused and not compile_once(model=other, steps=3).reused

    (weights).unlink()
    (run_dir / "checkpoint" / "config.json").unlink()
    assert not compile_once(model=other, steps=3).reused  # the checkpoint it names is gone: trained again
    assert weights.is_file()


def test_a_rerun_that_compiles_again_says_what_changed(program, tmp_path, caplog):
    compile_or_reuse(CountingCompiler(tmp_path), program, gate_examples())
    with caplog.at_level("WARNING", logger="optimizers.reuse"):
        compile_or_reuse(CountingCompiler(tmp_path, setting=2), program, gate_examples(3))
    assert "changed: settings, trainset" in caplog.text
