"""Realise CRUX completions as Verilog with the current policy, for the CRUX-space functional reward.

A CRUX is worth what the code written from it is worth: the policy being trained (the same weights, at this
step) writes the Verilog for each generated CRUX greedily, through the program's own code-predictor prompt,
and the simulator scores that. Called from the reward threads while the training thread waits on the rewards,
so the weights do not change under it, with one exception: a group whose scoring overran `group_timeout_s`
was already scored 0 and training went on. Its realisation is given that deadline and stops generating once it
passes, so it never runs on against weights that are being updated. Realisations take turns on the model
(one lock), so one of them cannot switch it to train mode under another.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import dspy

from optimizers.grpo.policy import CurrentPolicy
from optimizers.grpo.spaces import ProgramPredictors


@dataclass
class PolicyRealiser:
    """Greedy generation from the policy's current model.

    policy: the policy being trained (`policy.py`): the starting model during prompt selection, the trainer's
        model (LoRA and wrapped models included) once training begins; read at every call;
    tokenizer: its processing class (left padding for batched generation).
    """

    policy: CurrentPolicy
    tokenizer: Any
    predictors: ProgramPredictors
    adapter: dspy.Adapter
    max_new_tokens: int = 512
    batch_size: int = 16
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def current_model(self) -> Any:
        """The policy as it is now."""
        return self.policy.model

    def prompts(self, items: Sequence[tuple[str, Any]]) -> list[str]:
        """The chat-templated code-predictor prompts for (spec, CRUX) pairs, as at inference."""
        predictor = self.predictors.code
        texts = []
        for spec, crux in items:
            messages = self.adapter.format(predictor.signature, list(predictor.demos),
                                           self.predictors.code_inputs(spec, crux))
            texts.append(self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
        return texts

    def realise(self, items: Sequence[tuple[str, Any]], deadline: float | None = None) -> list[str]:
        """One greedy completion per (spec, CRUX) pair, decoded without special tokens.

        deadline: a `time.monotonic()` time after which generation stops (what is written by then is returned).
        """
        import torch
        from transformers import StoppingCriteriaList

        with self._lock:
            model = self.current_model()
            was_training = model.training
            model.eval()
            out: list[str] = []
            stop = StoppingCriteriaList([_PastDeadline(deadline)]) if deadline is not None else None
            try:
                texts = self.prompts(items)
                for start in range(0, len(texts), self.batch_size):
                    batch = self.tokenizer(texts[start:start + self.batch_size], return_tensors="pt", padding=True,
                                           padding_side="left", add_special_tokens=False).to(model.device)
                    with torch.no_grad():
                        ids = model.generate(**batch, do_sample=False, max_new_tokens=self.max_new_tokens,
                                             pad_token_id=self.tokenizer.pad_token_id, stopping_criteria=stop)
                    new = ids[:, batch["input_ids"].shape[1]:]
                    out += self.tokenizer.batch_decode(new, skip_special_tokens=True)
            finally:
                model.train(was_training)
            return out


class _PastDeadline:
    """A transformers stopping criterion: every row is done once `time.monotonic()` passes `deadline`."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        done = time.monotonic() > self.deadline
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)
