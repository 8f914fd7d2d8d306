"""Would scoring a GRPO group while the next one generates pay? It needs the batch generated in parts.

Times one sampled `generate` of a GRPO batch (2 prompts x 5 rollouts = 10 sequences) against the same batch as
two halves of 5, side by side, and prints the ratio (> 1: splitting costs generation time). Fixed lengths
(300 prompt tokens, 200 new tokens) so both sides decode the same number of tokens.

    python -m benches.grpo_split_generation --model outputs/main_job/compiler/sft/checkpoint
"""
from __future__ import annotations

import argparse
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a local Hugging Face model folder (e.g. an SFT checkpoint)")
    parser.add_argument("--batch", type=int, default=10, help="completions per GRPO step")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model).eval()
    text = "module counter ( input clk, input rst, output [3:0] q ); " * 40
    ids = tokenizer(text, return_tensors="pt").input_ids[:, :300]

    def generate(batch: int) -> None:
        x = ids.repeat(batch, 1)
        with torch.no_grad():
            model.generate(x, attention_mask=torch.ones_like(x), do_sample=True, max_new_tokens=200,
                           min_new_tokens=200, pad_token_id=tokenizer.pad_token_id or 0)

    generate(2)  # warm-up
    half = args.batch // 2
    print(f"| repeat | one batch of {args.batch} (s) | two batches of {half} (s) | ratio |\n|---|---|---|---|")
    for r in range(args.repeats):
        start = time.perf_counter(); generate(args.batch); one = time.perf_counter() - start
        start = time.perf_counter(); generate(half); generate(half); two = time.perf_counter() - start
        print(f"| {r + 1} | {one:.2f} | {two:.2f} | {two / one:.2f} |")


if __name__ == "__main__":
    main()
