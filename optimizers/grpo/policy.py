"""The policy being trained, as it is now: what the CRUX-space reward realises code with.

The scorer must exist before the trainer (its reward functions are the trainer's), yet the model it should
generate with is the trainer's own: under LoRA the PEFT model that GRPOTrainer wraps the loaded one in, under
accelerate the unwrapped module. `CurrentPolicy` is built with the loaded model (what prompt selection probes,
before any trainer exists) and is one of the trainer's callbacks: when training begins it takes the model that
transformers hands every callback, so the scorer never needs the trainer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformers import TrainerCallback


@dataclass
class CurrentPolicy(TrainerCallback):
    """The policy's model: the starting model until training begins, then the trainer's model."""

    model: Any

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if model is not None:
            from accelerate.utils import extract_model_from_parallel

            # the trainer's model after `accelerator.prepare`: unwrapped as `Accelerator.unwrap_model` does
            self.model = extract_model_from_parallel(model)
