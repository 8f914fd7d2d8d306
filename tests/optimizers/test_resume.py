"""Resumable trainer checkpoints (optimizers.resume, `save_steps`): a run stopped by Ctrl-C goes on from its
newest checkpoint, and ends where an uninterrupted run ends; other inputs never resume from it."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest
import torch
from transformers import AutoModelForCausalLM, TrainerCallback

from optimizers.config import RFTSettings, SFTSettings
from optimizers.grpo.settings import GRPOSettings
from optimizers.render import render_examples
from optimizers.sft_train import train_sft
from tests.optimizers.standins import gate_examples, pipeline_classes, tiny_model

CruxPipeline, DirectVerilog = pipeline_classes()


class CtrlCAt(TrainerCallback):
    """Raises KeyboardInterrupt as step `step` + 1 begins (after checkpoint-`step` was written)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise KeyboardInterrupt


class Steps(TrainerCallback):
    """The optimizer steps this run took."""

    def __init__(self) -> None:
        self.done: list[int] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.done.append(state.global_step)


def _weights(folder):
    return AutoModelForCausalLM.from_pretrained(folder).state_dict()


def test_sft_resumes_from_its_newest_checkpoint_and_ends_as_an_uninterrupted_run(tmp_path):
    examples = gate_examples()
    base = tiny_model(tmp_path / "tiny", examples)
    rows = render_examples(DirectVerilog(), examples)
    settings = SFTSettings(lora=False, max_steps=6, save_steps=2, per_device_train_batch_size=2, device="cpu",
                           learning_rate=1e-2, warmup_ratio=0.0, logging_steps=1, precision="fp32")
    with pytest.raises(KeyboardInterrupt):
        train_sft(base, rows, settings, tmp_path / "run", callbacks=[CtrlCAt(4)])
    assert (tmp_path / "run" / "trainer" / "checkpoint-4").is_dir()
    assert not (tmp_path / "run" / "trainer" / "checkpoint-2").exists()  # save_total_limit=1

    rerun = Steps()
    report = train_sft(base, rows, settings, tmp_path / "run", callbacks=[rerun])
    assert rerun.done == [5, 6] and report.steps == 6

    whole = Steps()
    train_sft(base, rows, settings, tmp_path / "whole", callbacks=[whole])
    assert whole.done == [1, 2, 3, 4, 5, 6]
    resumed, uninterrupted = _weights(tmp_path / "run" / "checkpoint"), _weights(tmp_path / "whole" / "checkpoint")
    assert all(torch.allclose(resumed[k], uninterrupted[k], atol=1e-6) for k in resumed)


def test_checkpoints_of_other_inputs_are_set_aside_not_resumed(tmp_path):
    examples = gate_examples()
    base = tiny_model(tmp_path / "tiny", examples)
    rows = render_examples(DirectVerilog(), examples)
    settings = SFTSettings(lora=False, max_steps=4, save_steps=2, per_device_train_batch_size=2, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        train_sft(base, rows, settings, tmp_path / "run", callbacks=[CtrlCAt(2)])
    other = Steps()  # another learning rate: trained from step 0, the old checkpoints moved aside
    train_sft(base, rows, SFTSettings(**{**settings.__dict__, "learning_rate": 5e-3}), tmp_path / "run",
              callbacks=[other])
    assert other.done == [1, 2, 3, 4]
    assert (tmp_path / "run" / "trainer.stale-1" / "checkpoint-2").is_dir()
    fewer = Steps()  # other rows
    train_sft(base, rows[:2], SFTSettings(**{**settings.__dict__, "learning_rate": 5e-3}), tmp_path / "run",
              callbacks=[fewer])
    assert fewer.done[0] == 1 and (tmp_path / "run" / "trainer.stale-2").is_dir()


@pytest.mark.parametrize("make", [
    lambda: SFTSettings(save_steps=10, max_time_s=60),
    lambda: GRPOSettings(save_steps=10),  # GRPO's max_time_s defaults to 300 s
    lambda: RFTSettings(max_time_s=60, sft=SFTSettings(save_steps=10)),
    lambda: SFTSettings(save_steps=-1),
])
def test_settings_refuse_checkpoints_that_cannot_resume(make):
    with pytest.raises(ValueError, match="save_steps"):
        make()
