"""A plain LM head for TRL's `fused_lm_head=True` forward: exact, and about 2x faster SFT steps on CPU.

TRL 1.x patches every trainer's model with a fused LM head (`trl.trainer.utils.add_fused_lm_head`) so that the
loss never materialises the (tokens x vocabulary) logits. On CUDA a Triton kernel scores only the answer
positions. Without Triton (CPU) it scores *every* position, prompt included, through a tile-wise torch fallback
of a dozen element-wise passes over (tokens x vocabulary): on the tiny model that fallback was 55% of an SFT step
(cProfile; docs/TRAINING_ON_CPU.md). For a small vocabulary the logits of the answer positions alone are a
few megabytes, so projecting just those positions and using PyTorch's own log_softmax gives the same numbers in
a fraction of the time.

`use_plain_lm_head(model, ...)` re-patches a model TRL has already patched: calls with `fused_lm_head=True`
return the same `FusedCausalLMOutput` (log_probs, and entropy / is_top1 / ... when asked) computed this way;
every other call (generation, plain forwards) goes to TRL's forward untouched. `apply_lm_head_choice` is what
the SFT and GRPO trainers call with their `lm_head` setting ("auto" = `wants_plain_lm_head`'s policy).
"""
from __future__ import annotations

import functools
import types
from typing import Literal, get_args

LMHead = Literal["auto", "plain", "trl"]  # the `lm_head` setting of SFTSettings and GRPOSettings
LM_HEADS = get_args(LMHead)
# (answer tokens x vocabulary) fp32 logits are materialised: keep that to small vocabularies (4k -> ~16 MB per
# 1,000 answer tokens; 64k -> ~256 MB), beyond which TRL's tiles are the right trade even on CPU.
MAX_PLAIN_VOCAB = 65_536
# Logit transforms TRL's kernel applies that this head does not: a model with any of them keeps TRL's head.
_UNSUPPORTED_CONFIG = ("final_logit_softcapping", "logit_scale", "output_multiplier", "lm_head_multiplier",
                       "logits_scaling")


def check_lm_head(choice: str) -> None:
    """A clear error for an `lm_head` value that is not one of LM_HEADS."""
    if choice not in LM_HEADS:
        raise ValueError(f"lm_head={choice!r}: use one of {', '.join(LM_HEADS)}.")


def wants_plain_lm_head(choice: str, device: str, vocab_size: int) -> bool:
    """Resolve the `lm_head` setting: "plain", "trl", or "auto" (plain where TRL has no Triton kernel, i.e.
    off CUDA/XPU, and the vocabulary is at most MAX_PLAIN_VOCAB)."""
    check_lm_head(choice)
    if choice != "auto":
        return choice == "plain"
    return device not in ("cuda", "xpu") and vocab_size <= MAX_PLAIN_VOCAB


def supports_plain_lm_head(model) -> bool:
    """False for models whose logits TRL transforms (softcapping, logit scales) or that add MoE router losses."""
    config = model.config.get_text_config()
    if getattr(config, "output_router_logits", False):
        return False
    return all(getattr(config, name, None) in (None, 1.0) for name in _UNSUPPORTED_CONFIG)


def use_plain_lm_head(model, temperature: float = 1.0, outputs: tuple[str, ...] = ("log_probs",),
                      share_prefix: bool = True) -> None:
    """Serve `model(..., labels=..., fused_lm_head=True)` with a plain projection of the labelled positions.

    model: the (unwrapped, non-PEFT) causal LM whose forward TRL's trainer has already patched.
    temperature: the logits are divided by it, as in TRL's head (GRPO passes its sampling temperature).
    outputs: the per-token fields to fill besides log_probs ("entropy", "is_top1", "log_sum_sq_probs",
        "mean_logits"); the rest stay None, as in TRL.
    share_prefix: run the tokens every row of a batch begins with once, not once per row
        (`_hidden_states`); exact, and only where the batch allows it.
    """
    import torch
    from trl.trainer.utils import FusedCausalLMOutput

    if not supports_plain_lm_head(model):
        raise ValueError(f"{type(model).__name__} transforms its logits (softcapping / logit scale) or adds a "
                         "router loss; keep TRL's fused head (lm_head=trl).")
    trl_forward = model.forward  # TRL's patched forward: generation and plain calls keep going through it

    @functools.wraps(type(model).forward)  # generate() validates its kwargs against this signature
    def _forward(self, *args, fused_lm_head=False, labels=None, shift_labels=None, num_items_in_batch=None,
                 **kwargs):
        if not fused_lm_head:
            return trl_forward(*args, labels=labels, shift_labels=shift_labels,
                               num_items_in_batch=num_items_in_batch, **kwargs)
        kwargs["use_cache"] = False
        _drop_right_padding_mask(kwargs)
        hidden = _hidden_states(self.base_model, args, kwargs, share_prefix)
        if shift_labels is None:
            hidden, labels = hidden[:, :-1], labels[:, 1:]
        else:
            labels = shift_labels
        head = self.get_output_embeddings()
        labels = labels.to(head.weight.device)
        mask = labels != -100
        targets = labels[mask]
        # fp32 and outside autocast: the log-softmax of a bf16 projection biases the loss (TRL's kernel also
        # accumulates in fp32)
        with torch.autocast(hidden.device.type, enabled=False):
            logits = torch.nn.functional.linear(
                hidden.to(head.weight.device)[mask].float(), head.weight.float(),
                None if head.bias is None else head.bias.float()) / temperature
        log_softmax = torch.log_softmax(logits, dim=-1)
        fields = {"log_probs": log_softmax.gather(-1, targets.unsqueeze(-1)).squeeze(-1)}
        if "entropy" in outputs:
            fields["entropy"] = -(log_softmax.exp() * log_softmax).sum(-1)
        with torch.no_grad():
            if "is_top1" in outputs:
                fields["is_top1"] = logits.argmax(-1) == targets  # argmax: the first maximum, as TRL counts ties
            if "log_sum_sq_probs" in outputs:
                fields["log_sum_sq_probs"] = torch.logsumexp(2 * log_softmax, dim=-1)
            if "mean_logits" in outputs:
                fields["mean_logits"] = logits.mean(-1)
        # masked_scatter keeps an all-ignored batch connected to the graph (a differentiable zero), as TRL does
        per_token = {k: v.new_zeros(mask.shape).masked_scatter(mask, v) for k, v in fields.items()}
        log_probs = per_token["log_probs"]
        denominator = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
        return FusedCausalLMOutput(loss=-log_probs.sum() / denominator, label_mask=mask, **per_token)

    model.forward = types.MethodType(_forward, model)


def _drop_right_padding_mask(kwargs: dict) -> None:
    """Remove an attention mask that only marks right padding (each row: ones, then zeros), in place.

    Causality alone already keeps every real token from seeing the padding after it, and the padded positions
    carry no label, so the loss and its gradients are the same without the mask. Without it, SDPA runs its
    causal kernel (which skips the masked-out half of the score blocks) instead of materialising a
    (batch x length x length) mask and attending through it: the SFT rows of a batch are right-padded
    (TRL's collator), so this is ~25% less attention work on CPU. Left padding (GRPO's prompts) or packed
    rows keep their mask.
    """
    mask = kwargs.get("attention_mask")
    if mask is None or mask.dim() != 2 or kwargs.get("position_ids") is not None:
        return
    if bool(mask[:, 0].all()) and bool((mask[:, 1:] <= mask[:, :-1]).all()):
        kwargs["attention_mask"] = None


# Below this many common tokens the second forward call costs more than the shared work saves.
MIN_SHARED_PREFIX = 32


def shared_prefix_length(input_ids, attention_mask=None) -> int:
    """How many leading tokens every row of the batch has in common (and attends to in full)."""
    import torch

    same = (input_ids == input_ids[:1]).all(dim=0)
    if attention_mask is not None:
        same &= attention_mask.bool().all(dim=0)
    differs = torch.nonzero(~same)
    return int(differs[0, 0]) if len(differs) else input_ids.shape[1]


def _hidden_states(base_model, args: tuple, kwargs: dict, share_prefix: bool):
    """The base model's last hidden states, computing the batch's common leading tokens once.

    Every SFT row starts with the same rendered system message (the predictor's field list and instructions:
    141 of the ~470 tokens of a K=4 direct row). Causal attention makes those positions' states the same in
    every row, so they are computed for one row, their keys and values are repeated across the batch as a
    cache, and only the rest of each row runs through the model. Gradients flow through the cache into the
    one prefix pass, summed over the rows, as they would be over the copies. Applies only to a batch with no
    attention mask left (right padding is dropped first, `_drop_right_padding_mask`) and input ids; anything
    else (left padding, packing, embeddings, one row, activation checkpointing) takes the plain forward.
    """
    import torch
    from transformers import DynamicCache

    ids = kwargs.get("input_ids")
    if (not share_prefix or args or ids is None or ids.shape[0] < 2 or kwargs.get("attention_mask") is not None
            or kwargs.get("position_ids") is not None or kwargs.get("inputs_embeds") is not None
            or kwargs.get("cache") is not None or kwargs.get("past_key_values") is not None
            # checkpointed layers drop the cache: the suffix would silently run without its prefix
            or (base_model.training and torch.is_grad_enabled()
                and getattr(base_model, "is_activation_checkpointing", False))):
        return base_model(*args, **kwargs).last_hidden_state
    k = min(shared_prefix_length(ids), ids.shape[1] - 1)
    if k < MIN_SHARED_PREFIX:
        return base_model(**kwargs).last_hidden_state
    rest = {name: value for name, value in kwargs.items() if name not in ("input_ids", "use_cache")}
    cache = DynamicCache(config=base_model.config)
    prefix = base_model(input_ids=ids[:1, :k], cache=cache, use_cache=True, **rest).last_hidden_state
    cache.batch_repeat_interleave(ids.shape[0])
    suffix = base_model(input_ids=ids[:, k:], cache=cache, use_cache=True, **rest).last_hidden_state
    return torch.cat([prefix.expand(ids.shape[0], -1, -1), suffix], dim=1)


def apply_lm_head_choice(trainer, choice: str, device: str, temperature: float = 1.0,
                         outputs: tuple[str, ...] = ("log_probs",)) -> str:
    """Give a built TRL trainer's model (and reference model, if any) the plain head where `choice` asks for it.

    Returns the head that trains: "plain" or "trl". With "auto", a model the plain head does not support keeps
    TRL's; with "plain" it is an error.
    """
    model = trainer.model.get_base_model() if hasattr(trainer.model, "get_base_model") else trainer.model
    if not wants_plain_lm_head(choice, device, model.config.get_text_config().vocab_size):
        return "trl"
    if choice == "auto" and not supports_plain_lm_head(model):
        return "trl"
    use_plain_lm_head(model, temperature=temperature, outputs=outputs)
    ref_model = getattr(trainer, "ref_model", None)
    if ref_model is not None:  # GRPO with beta > 0: its no-grad reference log-probs, the same way
        use_plain_lm_head(ref_model, temperature=temperature)
    return "plain"
