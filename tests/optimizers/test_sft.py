"""SFT compiler: a tiny model trains a few steps, its weights change, the checkpoint reloads, the program runs."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from optimizers.artifacts import load_compiled, read_manifest
from optimizers.config import SFTSettings
from optimizers.sft import SFTCompiler
from tests.optimizers.standins import gate_examples, local_lm_class, pipeline_classes, tiny_model

CruxPipeline, DirectVerilog = pipeline_classes()


@pytest.fixture(scope="module")
def base_model(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny"), gate_examples())


def _changed(base, tuned) -> bool:
    a = AutoModelForCausalLM.from_pretrained(base).state_dict()
    b = AutoModelForCausalLM.from_pretrained(tuned).state_dict()
    return any(not torch.equal(a[k], b[k]) for k in a)


def test_full_finetune_learns_and_program_runs_on_checkpoint(base_model, tmp_path):
    examples = gate_examples()
    make_lm = local_lm_class(max_tokens=40)
    program = DirectVerilog()
    program.set_lm(make_lm(base_model))
    settings = SFTSettings(lora=False, learning_rate=1e-2, max_steps=30, per_device_train_batch_size=4,
                           device="cpu", warmup_ratio=0.0, logging_steps=5)
    compiler = SFTCompiler(settings, tmp_path)
    tuned = compiler.compile(program, examples)

    report = compiler.report
    assert report.steps == 30 and report.rows == len(examples) and report.optimizer == "AdamW"
    assert report.lm_head == "plain"  # lm_head=auto on CPU with a 4k vocabulary
    assert report.train_loss < 0.6 * report.first_loss, "training must reduce the answer loss"
    checkpoint = tmp_path / "checkpoint"
    assert _changed(base_model, checkpoint)
    assert program.spec_to_verilog.lm.model_path == base_model, "input program left untouched"
    assert tuned.spec_to_verilog.lm.model_path == checkpoint
    assert not tuned.spec_to_verilog.lm.local_engine.loaded, "weights load when the tuned program first runs"
    rows = [json.loads(line) for line in (tmp_path / "sft_data" / "train.jsonl").read_text().splitlines()]
    assert {r["predictor"] for r in rows} == {"spec_to_verilog"}

    # The program runs end to end on the fine-tuned weights; reloading gives the same greedy answer.
    prediction = tuned(spec=examples[0].spec)
    assert isinstance(prediction.verilog, str) and prediction.verilog

    reloaded = load_compiled(DirectVerilog(), tmp_path, lm=make_lm(base_model))
    assert reloaded.spec_to_verilog.lm.model_path == checkpoint
    assert reloaded(spec=examples[0].spec).verilog == prediction.verilog


def test_muon_optimizer_trains_through_the_trainer(base_model, tmp_path):
    program = DirectVerilog()
    program.set_lm(local_lm_class(max_tokens=8)(base_model))
    settings = SFTSettings(lora=False, optimizer="muon", learning_rate=2e-2, max_steps=20,
                           per_device_train_batch_size=4, device="cpu", warmup_ratio=0.0, logging_steps=5)
    compiler = SFTCompiler(settings, tmp_path)
    compiler.compile(program, gate_examples())
    assert compiler.report.steps == 20 and compiler.report.optimizer == "MuonAdamW"
    assert compiler.report.train_loss < 0.6 * compiler.report.first_loss
    assert _changed(base_model, tmp_path / "checkpoint")


def test_plain_and_trl_lm_heads_train_the_same(base_model, tmp_path):
    """The plain head is a faster route to TRL's numbers: same seed, same steps, the same logged losses.

    In fp32: under CPU bf16 autocast (precision=auto on a CPU with AMX/AVX512-BF16) the two heads round
    differently and one token's argmax can flip within 10 steps."""
    logs = {}
    for head in ("plain", "trl"):
        program = DirectVerilog()
        program.set_lm(local_lm_class(max_tokens=8)(base_model))
        settings = SFTSettings(lora=False, learning_rate=1e-2, max_steps=10, per_device_train_batch_size=4,
                               device="cpu", warmup_ratio=0.0, logging_steps=2, lm_head=head, precision="fp32")
        compiler = SFTCompiler(settings, tmp_path / head)
        compiler.compile(program, gate_examples())
        assert compiler.report.lm_head == head
        lines = (tmp_path / head / "train_log.jsonl").read_text().splitlines()
        logs[head] = [(h["loss"], h["mean_token_accuracy"]) for h in map(json.loads, lines) if "loss" in h]
    assert len(logs["plain"]) == 5
    for (loss_p, acc_p), (loss_t, acc_t) in zip(logs["plain"], logs["trl"]):
        assert loss_p == pytest.approx(loss_t, rel=1e-3) and acc_p == pytest.approx(acc_t, abs=1e-6)


def test_lora_trains_both_pipeline_predictors_and_saves_merged(base_model, tmp_path):
    program = CruxPipeline()
    program.set_lm(local_lm_class()(base_model))
    settings = SFTSettings(lora=True, lora_r=4, lora_alpha=8, merge=True, learning_rate=5e-3, max_steps=3,
                           per_device_train_batch_size=4, device="cpu", logging_steps=1)
    compiler = SFTCompiler(settings, tmp_path)
    tuned = compiler.compile(program, gate_examples())
    assert compiler.report.lora and compiler.report.trainable_params < 50_000
    assert compiler.report.rows == 2 * len(gate_examples())  # spec->CRUX and spec+CRUX->Verilog
    assert _changed(base_model, tmp_path / "checkpoint"), "merged LoRA weights differ from the base"
    assert not (tmp_path / "checkpoint" / "adapter_config.json").exists()
    manifest = read_manifest(tmp_path)
    assert manifest.compiler == "sft" and manifest.extra["rows"] == 8
    assert {p.lm.model_path for _, p in tuned.named_predictors()} == {tmp_path / "checkpoint"}


def test_sft_refuses_an_lm_that_is_not_local(tmp_path):
    from dspy.utils import DummyLM

    program = DirectVerilog()
    program.set_lm(DummyLM([]))
    with pytest.raises(TypeError, match="LocalLM"):
        SFTCompiler(SFTSettings(device="cpu", max_steps=1), tmp_path).compile(program, gate_examples())


def test_rft_trains_on_its_own_kept_samples_only(base_model, tmp_path):
    from optimizers.config import RFTSettings
    from optimizers.rft import RFTCompiler

    examples = gate_examples(2)
    program = DirectVerilog()
    program.set_lm(local_lm_class(max_tokens=12)(base_model))
    keep_task = examples[0].task_id

    def keep_first_task(example, pred, trace=None, pred_name=None, pred_trace=None):
        # A filter standing in for the simulator: passes every sample of one task, none of the other.
        return float(example.task_id == keep_task)

    settings = RFTSettings(samples_per_example=2, temperature=1.0, min_score=1.0,
                           sft=SFTSettings(max_steps=2, per_device_train_batch_size=2, device="cpu"))
    compiler = RFTCompiler(settings, tmp_path, keep_first_task)
    tuned = compiler.compile(program, examples)
    assert len(compiler.samples) == 4
    rows = [json.loads(line) for line in (tmp_path / "sft_data" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and {r["task_id"] for r in rows} == {keep_task}
    sampled = [s.calls[0][2]["verilog"] for s in compiler.samples if s.task_id == keep_task]
    assert all(any(text in r["completion"][0]["content"] for r in rows) for text in sampled)
    assert tuned.spec_to_verilog.lm.model_path == tmp_path / "checkpoint"
    assert _changed(base_model, tmp_path / "checkpoint")

    with pytest.raises(ValueError, match="No training rows"):
        RFTCompiler(settings, tmp_path / "none_kept", lambda *a, **k: 0.0).compile(program, examples)


def test_sft_config_groups_rows_by_length_unless_told_not_to(tmp_path):
    from optimizers.sft_train import _trl_config

    assert _trl_config(SFTSettings(), "cpu", tmp_path).train_sampling_strategy == "group_by_length"
    assert _trl_config(SFTSettings(group_by_length=False), "cpu", tmp_path).train_sampling_strategy == "random"


def test_warmup_stable_decay_sets_its_decay_length_and_trains(base_model, tmp_path):
    from optimizers.sft_train import _scheduler_kwargs

    settings = SFTSettings(lora=False, optimizer="muon", learning_rate=2e-2, max_steps=8,
                           per_device_train_batch_size=4, device="cpu", warmup_ratio=0.0, logging_steps=4,
                           lr_scheduler_type="warmup_stable_decay", decay_fraction=0.5)
    assert _scheduler_kwargs(settings, rows=100) == {"num_decay_steps": 4, "decay_type": "linear"}
    by_epochs = SFTSettings(lr_scheduler_type="warmup_stable_decay", num_train_epochs=2,
                            per_device_train_batch_size=4)
    assert _scheduler_kwargs(by_epochs, rows=10) == {"num_decay_steps": 1, "decay_type": "linear"}  # 0.2 x 6
    assert _scheduler_kwargs(SFTSettings(), rows=10) == {}
    with pytest.raises(ValueError, match="decay_fraction"):
        SFTSettings(decay_fraction=0.0)
    program = DirectVerilog()
    program.set_lm(local_lm_class(max_tokens=8)(base_model))
    compiler = SFTCompiler(settings, tmp_path)
    compiler.compile(program, gate_examples())  # transformers builds its WSD scheduler from those kwargs
    assert compiler.report.steps == 8


def _adapter_tensors(folder) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


def test_sft_from_an_unmerged_adapter_keeps_training_that_adapter(base_model, tmp_path):
    """A merge=False checkpoint is an adapter folder; SFT from it trains the same adapter further and saves
    the new weights (before, the loaded adapter was saved back unchanged)."""
    settings = SFTSettings(lora=True, lora_r=4, lora_alpha=8, merge=False, learning_rate=5e-2, max_steps=4,
                           per_device_train_batch_size=4, device="cpu", logging_steps=1, warmup_ratio=0.0)
    program = DirectVerilog()
    program.set_lm(local_lm_class()(base_model))
    first = SFTCompiler(settings, tmp_path / "a").compile(program, gate_examples())
    adapter_a = tmp_path / "a" / "checkpoint"
    assert (adapter_a / "adapter_config.json").exists()

    SFTCompiler(settings, tmp_path / "b").compile(first, gate_examples())
    adapter_b = tmp_path / "b" / "checkpoint"
    config_b = json.loads((adapter_b / "adapter_config.json").read_text())
    assert config_b["base_model_name_or_path"] == str(base_model.resolve()), "the adapter applies to the base"
    a, b = _adapter_tensors(adapter_a), _adapter_tensors(adapter_b)
    assert a.keys() == b.keys(), "one adapter, trained further (not a second adapter stacked on the first)"
    assert any(not torch.equal(a[k], b[k]) for k in a), "the second run's updates were saved"

    # Full fine-tuning from an adapter folder starts from base + adapter merged.
    full = SFTSettings(lora=False, learning_rate=1e-2, max_steps=2, per_device_train_batch_size=4,
                       device="cpu", warmup_ratio=0.0, logging_steps=1)
    SFTCompiler(full, tmp_path / "c").compile(first, gate_examples())
    assert (tmp_path / "c" / "checkpoint" / "config.json").exists()
    assert not (tmp_path / "c" / "checkpoint" / "adapter_config.json").exists()
