"""Teacher-forced loss of SFT checkpoints on held-out rows: a low-noise companion to pass@1.

    python -m optimizers.heldout_loss --data K4 --program direct --limit 60 CKPT [CKPT ...]

A ten-minute run's greedy pass@1 on 60 problems swings by ten points between runs that differ only in data
order. The answer loss on the same held-out problems (test_seen: seen families, unseen parameters), rendered
exactly as SFT renders its rows and scored with the answer mask SFT trains on, moves smoothly with training, so
it can tell whether a change to the training step (more steps, other batches) made a better model when the pass
counts cannot. Prints, per checkpoint, the mean answer-token loss and the share of answer tokens predicted
exactly (greedy next-token accuracy), and returns them.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def heldout_loss(checkpoint: str | Path, rows, batch: int = 4) -> tuple[float, float]:
    """(mean answer-token loss, answer-token accuracy) of one checkpoint over rendered rows."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from optimizers.bench_cpu_micro import collate_rows, encode_rows

    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint).eval()
    encs = encode_rows(tokenizer, rows)
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for i in range(0, len(encs), batch):
            ids, attention, labels = collate_rows(encs[i:i + batch], tokenizer.pad_token_id)
            logits = model(input_ids=ids, attention_mask=attention).logits[:, :-1].float()
            targets = labels[:, 1:]
            mask = targets != -100
            total += torch.nn.functional.cross_entropy(logits[mask], targets[mask], reduction="sum").item()
            correct += int((logits[mask].argmax(-1) == targets[mask]).sum())
            count += int(mask.sum())
    return total / count, correct / count


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    from crux_program.data.triplet import read_jsonl
    from crux_program.modules import CruxPipeline, DirectVerilog
    from optimizers.render import render_examples

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="+", help="SFT checkpoint folders (model and tokenizer)")
    p.add_argument("--data", required=True, help="folder written by python -m crux_program.data")
    p.add_argument("--split", default="test_seen")
    p.add_argument("--program", choices=["crux", "direct"], default="direct")
    p.add_argument("--limit", type=int, default=60, help="first N problems of the split, as sft_bench takes them")
    a = p.parse_args(argv)

    examples = [t.to_example() for t in read_jsonl(Path(a.data) / f"{a.split}.jsonl")][: a.limit]
    rows = render_examples((CruxPipeline if a.program == "crux" else DirectVerilog)(), examples)
    figures = {}
    print(f"\n| checkpoint | answer loss | answer token accuracy |\n|---|---|---|")
    for checkpoint in a.checkpoints:
        loss, accuracy = figures[checkpoint] = heldout_loss(checkpoint, rows)
        print(f"| {checkpoint} | {loss:.4f} | {accuracy:.4f} |", flush=True)
    return figures


if __name__ == "__main__":
    main()
