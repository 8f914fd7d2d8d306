"""The model folder a training run starts from and the folder it leaves: loading, dtype, saving.

A folder is a full Hugging Face model (config.json) or a PEFT adapter (adapter_config.json, as a
`merge=False` run saves). Training from an adapter folder continues that adapter when the run trains LoRA
(no second adapter is stacked on it, and the saved adapter is the trained one), and starts from base +
adapter merged when it trains all weights.

Weights dtype (`weights_dtype`): CPU keeps fp32. On CUDA a LoRA run loads the frozen base in bf16 (PEFT keeps
the adapter itself in fp32); a full fine-tune keeps fp32 master weights and computes under bf16 autocast,
because AdamW updates applied to bf16 weights round away (an update below 2^-8 of a weight is lost).
`precision=fp32` means fp32 weights and no autocast everywhere.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from crux_program.lm.folders import adapter_base, tokenizer_folder
from optimizers.precision import use_bf16

log = logging.getLogger(__name__)


def weights_dtype(device: str, precision: str, lora: bool):
    """The torch dtype the weights are loaded in (module docstring: bf16 only for a frozen base on CUDA)."""
    import torch

    if device == "cuda" and lora and use_bf16(device, precision):
        return torch.bfloat16
    return torch.float32


def load_for_training(model_path: Path, device: str, precision: str = "auto", lora: bool = False):
    """(model, tokenizer) to train from `model_path`; the model is a `PeftModel` when it continues an adapter.

    On CPU it also tells glibc to keep freed buffers (`optimizers.cpu_malloc`): a training step frees and
    allocates the same activations every step, and re-mapping them was ~10% of a tiny-model step."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if device == "cpu":
        from optimizers.cpu_malloc import keep_freed_memory

        keep_freed_memory()
    model_path = Path(model_path)
    base = adapter_base(model_path)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_folder(model_path))
    if tokenizer.chat_template is None:
        raise ValueError(f"{model_path} has no chat template; the program's messages cannot be rendered. "
                         "Build the tiny model with crux_program.lm.build_tiny_model (it writes a ChatML template).")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = weights_dtype(device, precision, lora)
    if base is None:
        return AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype), tokenizer
    from peft import PeftModel

    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    if lora:
        log.info("Continuing the LoRA adapter in %s (base %s)", model_path, base)
        model = PeftModel.from_pretrained(model, model_path, is_trainable=True)
        for config in model.peft_config.values():  # saved adapters name the base by its absolute path
            config.base_model_name_or_path = str(base)
        return model, tokenizer
    log.info("Full fine-tune from %s merged into its base %s", model_path, base)
    model = PeftModel.from_pretrained(model, model_path).merge_and_unload()
    return model.requires_grad_(True), tokenizer  # PEFT froze the base; a full fine-tune trains all of it


def continues_adapter(model) -> bool:
    """True when `model` already carries the adapter to train (so the trainer must not add a new one)."""
    try:
        from peft import PeftModel
    except ImportError:
        return False
    return isinstance(model, PeftModel)


def save_trained(model, tokenizer, checkpoint: Path, merge: bool) -> None:
    """Save a trained model: merged into a plain HF folder when `merge` (or not LoRA), else an adapter folder
    whose `base_model_name_or_path` is absolute, so the folder loads from any working directory."""
    checkpoint = Path(checkpoint)
    lora = continues_adapter(model)
    if lora and merge:
        model = model.merge_and_unload()  # a plain HF folder: LocalLM.with_model loads it like the base
    model.save_pretrained(checkpoint)
    tokenizer.save_pretrained(checkpoint)
    config_file = checkpoint / "adapter_config.json"
    if lora and not merge and config_file.exists():
        config = json.loads(config_file.read_text())
        config["base_model_name_or_path"] = str(adapter_base(checkpoint))
        config_file.write_text(json.dumps(config, indent=2))
