"""benches.sft_gpu_throughput runs its whole path on CPU with a tiny shape (the CUDA figures are in docs/)."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from benches.sft_gpu_throughput import SHAPES, main


def test_tiny_shape_runs_lora_and_full_on_cpu(capsys):
    results = main(["--model", "tiny-shape", "--steps", "2", "--device", "cpu", "--batch-size", "2",
                    "--max-length", "512", "--examples", "2"])
    assert [r.mode for r in results] == ["lora", "full"]
    lora, full = results
    assert lora.steps == full.steps == 2 and lora.tokens_per_s > 0 and full.tokens_per_s > 0
    assert lora.trainable_params < full.trainable_params == full.params
    assert capsys.readouterr().out.count('"mode"') == 2


def test_published_shapes_are_written_out():
    assert SHAPES["qwen2.5-coder-0.5b-shape"]["hidden_size"] == 896
    assert SHAPES["qwen2.5-coder-1.5b-shape"]["num_hidden_layers"] == 28
