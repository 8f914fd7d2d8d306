"""SFT throughput on a randomly initialised model of a published shape: proves the sft path on CUDA.

    python -m benches.sft_gpu_throughput --model qwen2.5-coder-0.5b-shape --steps 20
    python -m benches.sft_gpu_throughput --model qwen2.5-coder-1.5b-shape --steps 20 --modes full
    python -m benches.sft_gpu_throughput --model tiny-shape --steps 2 --device cpu      # the CPU test

The model is built from a config written below (the published Qwen2.5-Coder sizes; no weights, no download),
its tokenizer is a byte-level BPE trained here on the rendered rows, and the rows are the program's own
prompts (CruxPipeline, both predictors) for small synthetic designs. Each mode (LoRA, full fine-tuning) runs
`optimizers.sft_train.train_sft`, the same code `compiler=sft` runs: bf16 on CUDA, fp32 on CPU. Prints one
JSON line per mode: steps, seconds per step, tokens per second (the figure to compare across GPUs and shapes),
trainable and total parameters, peak GPU memory. Random weights learn nothing useful: this measures the
machinery (does the path run, how fast, in how much memory), not a model.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import dspy

from crux_program.crux import Crux, ModuleInterface, Port

# Published configurations (Qwen/Qwen2.5-Coder-{0.5B,1.5B} config.json), written out so nothing is fetched.
SHAPES: dict[str, dict] = {
    "qwen2.5-coder-0.5b-shape": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                     num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                                     max_position_embeddings=32768, rope_theta=1000000.0, tie_word_embeddings=True),
    "qwen2.5-coder-1.5b-shape": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                                     num_attention_heads=12, num_key_value_heads=2, vocab_size=151936,
                                     max_position_embeddings=32768, rope_theta=1000000.0, tie_word_embeddings=True),
    "tiny-shape": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, vocab_size=1024, max_position_embeddings=4096, rope_theta=10000.0,
                       tie_word_embeddings=True),
}


@dataclass
class SmokeResult:
    """One mode's throughput figures."""

    model: str
    mode: str
    device: str
    params: int
    trainable_params: int
    steps: int
    seconds: float
    step_s: float
    tokens_per_s: float
    peak_gpu_gb: float
    first_loss: float | None
    train_loss: float


def synthetic_examples(n: int) -> list[dspy.Example]:
    """n small counter designs with spec, CRUX and Verilog (enough text for realistic sequence lengths)."""
    out = []
    for i in range(n):
        w = 2 + i % 14
        name = f"counter_{i}"
        spec = (f"Design module {name}: a {w}-bit up counter with synchronous active-high reset and enable. "
                f"When reset is high, q becomes 0; otherwise when en is high q increments by {1 + i % 3}.")
        crux = Crux(interface=ModuleInterface(module_name=name, ports=[
            Port(name="clk", direction="input"), Port(name="reset", direction="input"),
            Port(name="en", direction="input"), Port(name="q", direction="output", width=str(w))]),
            core_functions=[f"q <= q + {1 + i % 3} on each rising clk edge while en is high"],
            key_considerations=["reset is synchronous and has priority over en", f"q wraps modulo 2^{w}"])
        verilog = (f"module {name}(input clk, input reset, input en, output reg [{w - 1}:0] q);\n"
                   f"  always @(posedge clk) begin\n    if (reset) q <= 0;\n"
                   f"    else if (en) q <= q + {1 + i % 3};\n  end\nendmodule")
        out.append(dspy.Example(task_id=name, spec=spec, crux=crux, verilog=verilog).with_inputs("spec"))
    return out


def build_random_model(shape: str, texts: list[str], out_dir: Path, device: str) -> Path:
    """Tokenizer trained on texts + a random Qwen2 of the named shape, saved to out_dir."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from crux_program.lm.tiny import _train_tokenizer  # the tiny builder's tokenizer recipe (ChatML template)

    tokenizer = _train_tokenizer(texts, vocab_size=min(4096, SHAPES[shape]["vocab_size"]))
    config = Qwen2Config(**SHAPES[shape], eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = Qwen2ForCausalLM(config).to(dtype)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def run(shape: str, steps: int, modes: list[str], device: str, batch_size: int, max_length: int,
        examples: int | None = None) -> list[SmokeResult]:
    """Build the model once, then train `steps` SFT steps per mode and measure."""
    import torch

    from crux_program.modules import CruxPipeline
    from optimizers.config import SFTSettings
    from optimizers.render import render_examples
    from optimizers.sft_train import resolve_device, train_sft

    device = resolve_device(device)
    rows = render_examples(CruxPipeline(), synthetic_examples(examples or max(8, steps * batch_size // 2)))
    texts = [m["content"] for r in rows for m in r.prompt + r.completion]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_random_model(shape, texts, Path(tmp) / "model", device)
        params = sum(p.numel() for p in __import__("transformers").AutoModelForCausalLM.from_pretrained(
            model_dir).parameters())
        for mode in modes:
            settings = SFTSettings(lora=mode == "lora", lora_r=16, lora_alpha=32, merge=False,
                                   learning_rate=1e-4 if mode == "full" else 1e-3, max_steps=steps,
                                   per_device_train_batch_size=batch_size, max_length=max_length,
                                   device=device, logging_steps=1, warmup_ratio=0.0)
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            report = train_sft(model_dir, rows, settings, Path(tmp) / mode, device=device)
            peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else 0.0
            results.append(SmokeResult(shape, mode, device, params, report.trainable_params, report.steps,
                                       report.seconds, round(report.seconds / max(report.steps, 1), 4),
                                       report.tokens_per_s, round(peak, 2), report.first_loss, report.train_loss))
    return results


def main(argv: list[str] | None = None) -> list[SmokeResult]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(SHAPES), default="qwen2.5-coder-0.5b-shape")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--modes", default="lora,full", help="comma list of lora, full")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--examples", type=int, default=None, help="synthetic designs (2 rows each)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run(args.model, args.steps, args.modes.split(","), args.device, args.batch_size, args.max_length,
                  args.examples)
    for r in results:
        print(json.dumps(asdict(r)))
    print(f"total {time.perf_counter() - start:.1f} s")
    return results


if __name__ == "__main__":
    main()
