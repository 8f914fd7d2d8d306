"""Data and a policy model for the GRPO tests: small combinational tasks with gold CRUX, and a tiny random Qwen2
whose tokenizer is trained on the tasks' rendered prompts (so prompts stay short and a step takes a second)."""
from __future__ import annotations

from pathlib import Path

# A two-layer Qwen2 small enough for a CPU step in about a second; the vocabulary grows to the tokenizer's.
TINY_QWEN2 = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                  num_key_value_heads=1, vocab_size=1024, max_position_embeddings=4096, rope_theta=10_000.0,
                  rms_norm_eps=1e-6, tie_word_embeddings=True)
OPS = [("and", "&"), ("or", "|"), ("xor", "^"), ("add", "+")]


def gate_triplets(count: int = 8):
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


def tiny_policy(out_dir: Path, texts: list[str]) -> Path:
    """A tokenizer trained on `texts` and a random two-layer Qwen2 (TINY_QWEN2), saved in out_dir (fp32)."""
    import torch
    from transformers import AutoTokenizer, GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    from crux_program.lm.tiny import build_tiny_model

    build_tiny_model(out_dir, texts=texts, vocab_size=1024, hidden_size=32, num_layers=1, num_heads=2)
    tok = AutoTokenizer.from_pretrained(out_dir)
    dims = dict(TINY_QWEN2, vocab_size=max(TINY_QWEN2["vocab_size"], len(tok)))
    config = Qwen2Config(**dims, bos_token_id=tok.convert_tokens_to_ids("<|im_start|>"),
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, use_cache=True)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    model.save_pretrained(out_dir)
    return out_dir
