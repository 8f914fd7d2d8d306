"""Local model folders: a full Hugging Face model (config.json) or a PEFT adapter (adapter_config.json) over a base.

Torch-free, so the training code can ask where a folder's base and tokenizer are without loading a model.
"""
from __future__ import annotations

import json
from pathlib import Path


def adapter_base(folder: Path) -> Path | None:
    """The base model folder of a PEFT adapter folder (absolute), or None when `folder` is a full model.

    A relative base path is tried against the adapter folder, then the working directory."""
    folder = Path(folder)
    config = folder / "adapter_config.json"
    if (folder / "config.json").exists() or not config.exists():
        return None
    named = Path(json.loads(config.read_text())["base_model_name_or_path"])
    for candidate in ((named,) if named.is_absolute() else (folder / named, named)):
        if (candidate / "config.json").exists():
            return candidate.resolve()
    raise FileNotFoundError(f"The adapter in {folder} names its base model {named}, which is not a local model "
                            "folder. Edit base_model_name_or_path in its adapter_config.json to the base's path.")


def tokenizer_folder(model_path: Path) -> Path:
    """Where the tokenizer of `model_path` lives: the folder itself, or an adapter's base model folder."""
    model_path = Path(model_path)
    if not (model_path / "config.json").exists() and not (model_path / "adapter_config.json").exists():
        raise FileNotFoundError(f"No model folder at {model_path} (neither config.json nor adapter_config.json). "
                                "Build one with crux_program.lm.tiny.build_tiny_model or point `model` at a local "
                                "Hugging Face model folder.")
    if (model_path / "tokenizer_config.json").exists():
        return model_path
    return adapter_base(model_path) or model_path
