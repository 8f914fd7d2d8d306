"""Two of session 10's CPU speed-ups measured alone, in one process, interleaved: precise where a whole SFT run is not.

    python -m optimizers.bench_cpu_micro --model MODEL_DIR --data K4 --program direct

- causal: the forward + backward of the plain LM head on real right-padded SFT batches, with the padding mask
  kept (SDPA attends through a materialised mask) and dropped (SDPA's causal kernel;
  `optimizers.plain_lm_head._drop_right_padding_mask`); also the largest difference in loss between the two.
- ns_stack: one MuonAdamW step over the model's parameters with one Newton-Schulz per matrix and with one per
  stack of equally shaped matrices (`optimizers.muon`).

Each pair alternates which goes first, `--reps` times, and the median (first repetition dropped as warm-up) is
printed. `optimizers.bench_cpu_step` measures whole training runs with all three speed-ups on and off, the
allocator setting included (which cannot be switched off again inside one process).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MUON_STEPS = 10  # optimizer steps per timed repetition


def _batches(tokenizer, rows, batch: int, count: int):
    """`count` right-padded (input_ids, attention_mask, labels) batches, loss on the answer only, as SFT builds."""
    import torch

    out = []
    for i in range(0, batch * count, batch):
        encs = [tokenizer.apply_chat_template(r.prompt + r.completion, tokenize=True, return_dict=True,
                                              return_assistant_tokens_mask=True) for r in rows[i:i + batch]]
        length = max(len(e["input_ids"]) for e in encs)
        ids = torch.full((len(encs), length), tokenizer.pad_token_id)
        attention = torch.zeros_like(ids)
        labels = torch.full_like(ids, -100)
        for j, e in enumerate(encs):
            n = len(e["input_ids"])
            ids[j, :n] = torch.tensor(e["input_ids"])
            attention[j, :n] = 1
            answer = torch.tensor(e["assistant_masks"]).bool()
            labels[j, :n][answer] = ids[j, :n][answer]
        out.append((ids, attention, labels))
    return out


def _interleaved(variants: dict, reps: int) -> dict[str, float]:
    """Median seconds of each variant's callable over `reps` alternating repetitions (the first dropped)."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for rep in range(reps):
        for name in names if rep % 2 == 0 else reversed(names):
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t[1:] if len(t) > 1 else t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> dict[str, float]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl.trainer.utils import add_fused_lm_head

    import optimizers.muon as muon
    import optimizers.plain_lm_head as plain_lm_head
    from crux_program.data.triplet import read_jsonl
    from crux_program.modules import CruxPipeline, DirectVerilog
    from optimizers.render import render_examples

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a causal LM folder with a chat template (e.g. a tiny model)")
    p.add_argument("--data", required=True, help="folder written by python -m crux_program.data")
    p.add_argument("--program", choices=["crux", "direct"], default="direct")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--batches", type=int, default=20, help="batches per forward+backward timing")
    p.add_argument("--reps", type=int, default=6)
    a = p.parse_args(argv)

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(a.model)
    model = AutoModelForCausalLM.from_pretrained(a.model)
    add_fused_lm_head(model, outputs=("log_probs",))
    plain_lm_head.use_plain_lm_head(model)
    train = [t.to_example() for t in read_jsonl(Path(a.data) / "train.jsonl")][: a.batch * a.batches * 2]
    rows = render_examples((CruxPipeline if a.program == "crux" else DirectVerilog)(), train)
    random.Random(0).shuffle(rows)
    batches = _batches(tokenizer, rows, a.batch, a.batches)

    drop = plain_lm_head._drop_right_padding_mask
    losses: dict[str, list[float]] = {"mask kept": [], "mask dropped": []}

    def fwd_bwd(name: str):
        def run():
            plain_lm_head._drop_right_padding_mask = drop if name == "mask dropped" else (lambda kwargs: None)
            for ids, attention, labels in batches:
                out = model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
                out.loss.backward()
                losses[name].append(out.loss.item())
        return run

    attention_s = _interleaved({name: fwd_bwd(name) for name in losses}, a.reps)
    plain_lm_head._drop_right_padding_mask = drop
    gap = max(abs(x - y) for x, y in zip(losses["mask kept"], losses["mask dropped"]))

    for param in model.parameters():
        param.grad = torch.randn_like(param) * 1e-3
    optimizer = muon.MuonAdamW(model.named_parameters(), lr=1e-6)  # tiny steps: the weights barely move
    stacked = muon.NS_MAX_ELEMENTS

    def muon_steps(max_elements: int):
        def run():
            muon.NS_MAX_ELEMENTS = max_elements
            for _ in range(MUON_STEPS):
                optimizer.step()
        return run

    muon_s = _interleaved({"per matrix": muon_steps(1), "stacked": muon_steps(stacked)}, a.reps * 2)
    muon.NS_MAX_ELEMENTS = stacked

    n = len(batches)
    print(f"\n| measurement | before | after | speed-up |\n|---|---|---|---|")
    print(f"| forward + backward per batch (mask kept / dropped) | {1000 * attention_s['mask kept'] / n:.1f} ms "
          f"| {1000 * attention_s['mask dropped'] / n:.1f} ms | {attention_s['mask kept'] / attention_s['mask dropped']:.2f}x |")
    per_step_ms = {name: 1000 * s / MUON_STEPS for name, s in muon_s.items()}
    print(f"| MuonAdamW step (per matrix / stacked) | {per_step_ms['per matrix']:.1f} ms "
          f"| {per_step_ms['stacked']:.1f} ms | {muon_s['per matrix'] / muon_s['stacked']:.2f}x |")
    print(f"\nlargest loss difference, mask kept vs dropped: {gap:.1e}")
    return {"causal_speedup": attention_s["mask kept"] / attention_s["mask dropped"],
            "ns_stack_speedup": muon_s["per matrix"] / muon_s["stacked"], "loss_gap": gap}


if __name__ == "__main__":
    main()
