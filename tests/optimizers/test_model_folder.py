"""Model folders for training: which dtype the weights load in, and where an adapter's base is."""
from __future__ import annotations

import json

import pytest
import torch

from crux_program.lm.folders import adapter_base
from optimizers.model_folder import weights_dtype


def test_only_a_frozen_lora_base_on_cuda_loads_in_bf16():
    assert weights_dtype("cuda", "auto", lora=True) == torch.bfloat16
    assert weights_dtype("cuda", "bf16", lora=True) == torch.bfloat16
    # full fine-tune: fp32 master weights under bf16 autocast (bf16 weights lose small AdamW updates)
    assert weights_dtype("cuda", "auto", lora=False) == torch.float32
    assert weights_dtype("cuda", "fp32", lora=True) == torch.float32  # precision=fp32 is honoured
    assert weights_dtype("cpu", "bf16", lora=True) == torch.float32


def test_adapter_base_resolves_relative_paths_and_says_what_to_fix(tmp_path, monkeypatch):
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    assert adapter_base(base) is None  # a full model folder
    adapter = tmp_path / "runs" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "../../base"}))
    assert adapter_base(adapter) == base.resolve()  # relative to the adapter folder
    monkeypatch.chdir(tmp_path)
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "base"}))
    assert adapter_base(adapter) == base.resolve()  # relative to the working directory
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "Qwen/Qwen2.5-0.5B"}))
    with pytest.raises(FileNotFoundError, match="base_model_name_or_path"):
        adapter_base(adapter)
