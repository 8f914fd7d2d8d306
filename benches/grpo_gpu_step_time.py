"""GRPO on a randomly initialised model of a realistic shape: proves the compiler runs on CUDA, and times it.

    python -m benches.grpo_gpu_step_time --shape qwen2.5-coder-0.5b --steps 4      # on a GPU machine
    python -m benches.grpo_gpu_step_time --shape tiny --steps 2 --device cpu       # the CPU check in tests

The model is Qwen2.5-Coder-0.5B's published configuration written out below (no weights are downloaded: it is
random-initialised), with a byte-level BPE trained here. It prints, per step, the step time, the generation
time and the reward time, then reward time / step time (the share to keep small), and writes them to
OUT/step_times.json. Random weights write no valid Verilog, so the rewards are mostly zero: this measures the
machinery, not learning.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

# Qwen2.5-Coder-0.5B (config.json of the published model), minus the tokenizer-dependent ids.
QWEN25_CODER_05B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                        num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768,
                        rope_theta=1_000_000.0, rms_norm_eps=1e-6, tie_word_embeddings=True)
TINY = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
            vocab_size=1024, max_position_embeddings=4096, rope_theta=10_000.0, rms_norm_eps=1e-6,
            tie_word_embeddings=True)
SHAPES = {"qwen2.5-coder-0.5b": QWEN25_CODER_05B, "tiny": TINY}
OPS = [("and", "&"), ("or", "|"), ("xor", "^"), ("add", "+")]


def smoke_triplets(count: int = 8):
    """Small combinational tasks (gate / adder of 1..8 bits) with gold CRUX, as curriculum Triplets."""
    from crux_program.crux import Crux, ModuleInterface, Port
    from crux_program.data.triplet import Triplet

    out = []
    for i in range(count):
        (word, op), width = OPS[i % len(OPS)], 1 + (i * 3) % 8
        name = f"{word}{width}"
        rng = f"[{width - 1}:0] " if width > 1 else ""
        verilog = (f"module {name}(input {rng}a, input {rng}b, output {rng}y);\n  assign y = a {op} b;\nendmodule")
        crux = Crux(interface=ModuleInterface(module_name=name, ports=[
            Port(name="a", direction="input", width=str(width)), Port(name="b", direction="input", width=str(width)),
            Port(name="y", direction="output", width=str(width))]),
            core_functions=[f"y = a {op} b"], key_considerations=["combinational, no clock"])
        spec = f"Module {name}: inputs a and b ({width} bits), output y ({width} bits) = a {op} b."
        out.append(Triplet(task_id=f"smoke/{name}", spec=spec, verilog=verilog, crux=crux, family=word,
                           provenance="smoke:gpu"))
    return out


def tokenizer_texts(program, examples) -> list[str]:
    """The rendered GRPO prompts plus the gold answers: a tokenizer trained on them keeps prompts short."""
    from optimizers.grpo.dataset import build_prompts

    prompts = [m["content"] for row in build_prompts(program, examples) for m in row.prompt]
    return prompts + [ex.verilog + "\n" + ex.crux.to_markdown() for ex in examples] * 4


def build_model(shape: str, out_dir: Path, texts: list[str]) -> tuple[Path, int]:
    """A tokenizer trained on `texts` and a random Qwen2 of `shape`, saved in out_dir (bf16 for big shapes);
    returns out_dir and the model's parameter count (what GRPO trains, LoRA adapters aside)."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    from crux_program.lm.tiny import build_tiny_model

    build_tiny_model(out_dir, texts=texts, vocab_size=1024, hidden_size=32, num_layers=1, num_heads=2)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(out_dir)
    dims = dict(SHAPES[shape])
    dims["vocab_size"] = max(dims["vocab_size"], len(tok))
    config = Qwen2Config(**dims, bos_token_id=tok.convert_tokens_to_ids("<|im_start|>"),
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, use_cache=True)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    if shape != "tiny":
        model = model.to(torch.bfloat16)
    model.save_pretrained(out_dir)
    return out_dir, sum(p.numel() for p in model.parameters())


@dataclass
class SmokeReport:
    """Per-step timings of a smoke run (seconds) and the device it ran on."""

    shape: str
    device: str
    parameters: int
    steps: int
    step_s: list[float]
    generation_s: list[float]
    reward_s: list[float]
    reward_fraction: float


def run(shape: str, steps: int, device: str, out: Path, completion_tokens: int, lora: bool | None) -> SmokeReport:
    """Build the model, run `steps` GRPO steps with GRPOCompiler, return and print the timings."""
    import dspy

    from crux_program.lm.local import LocalLM
    from crux_program.modules import CruxPipeline
    from optimizers.grpo.compiler import GRPOCompiler
    from optimizers.grpo.settings import GRPOSettings
    from sim.config import SimConfig

    triplets = smoke_triplets()
    examples = [t.to_example() for t in triplets]
    program = CruxPipeline()
    model_path, parameters = build_model(shape, out / "model", tokenizer_texts(program, examples))
    program.set_lm(LocalLM(model_path, device="cpu", max_tokens=completion_tokens))  # only its path is used
    settings = GRPOSettings(max_steps=steps, device=device, lora=lora, max_completion_length=completion_tokens,
                            realise_max_new_tokens=completion_tokens, learning_rate=1e-5, group_timeout_s=60,
                            max_time_s=None)
    compiler = GRPOCompiler(settings, out / "run", sim=SimConfig(mode="differential", timeout_s=30, jobs=1))
    with dspy.context(adapter=dspy.ChatAdapter()):
        compiler.compile(program, examples)
    rep = compiler.report  # the run's GRPOReport: per-step timings included
    report = SmokeReport(shape=shape, device=rep.device, steps=rep.steps, parameters=parameters,
                         step_s=[round(x, 3) for x in rep.step_seconds],
                         generation_s=[round(x, 3) for x in rep.generation_seconds],
                         reward_s=[round(x, 3) for x in rep.reward_seconds],
                         reward_fraction=rep.reward_fraction)
    (out / "step_times.json").write_text(json.dumps(asdict(report), indent=2))
    print(f"{shape} on {report.device}: {report.parameters / 1e6:.1f}M parameters, {report.steps} steps")
    print("step | step_s | generation_s | reward_s")
    for i, row in enumerate(zip(report.step_s, report.generation_s, report.reward_s)):
        print(f"{i:4d} | {row[0]:6.2f} | {row[1]:12.2f} | {row[2]:8.2f}")
    print(f"reward time / step time: {report.reward_fraction:.1%}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="qwen2.5-coder-0.5b")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--completion-tokens", type=int, default=256)
    parser.add_argument("--full", action="store_true", help="train all weights (default on CUDA: LoRA)")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "outputs/benches/grpo_gpu_step_time")))
    args = parser.parse_args()
    for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(key, "1")
    start = time.perf_counter()
    run(args.shape, args.steps, args.device, args.out, args.completion_tokens, False if args.full else None)
    print(f"total {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
