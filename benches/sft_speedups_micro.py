"""The CPU speed-ups of the SFT step measured alone, in one process, interleaved: precise where a whole SFT run is not.

    python -m benches.sft_speedups_micro --model MODEL_DIR --data K4 --program direct

- causal: the forward + backward of the plain LM head on real right-padded SFT batches, with the padding mask
  kept (SDPA attends through a materialised mask) and dropped (SDPA's causal kernel;
  `optimizers.plain_lm_head._drop_right_padding_mask`); also the largest difference in loss between the two.
- shared prefix: the same forward + backward (mask dropped) with the batch's common leading tokens run once
  (`optimizers.plain_lm_head._hidden_states`) and once per row; also the largest difference in loss.
- length grouping: the same forward + backward over the same rows, batched in random order and sorted by length
  (`SFTSettings.group_by_length`); also the fraction of each that is padding.
- ns_stack: one MuonAdamW step over the model's parameters with one Newton-Schulz per matrix and with one per
  stack of equally shaped matrices (`optimizers.muon`).

Each pair alternates which goes first, `--reps` times, and the median (first repetition dropped as warm-up) is
printed: a table of seconds per variant and each speed-up (> 1: the default variant is faster), with the loss
gaps (below 1e-5: the variants compute the same loss). `benches.sft_speedups_step` measures whole training
runs with all three speed-ups on and off, the allocator setting included (which cannot be switched off again
inside one process).
"""
from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from benches._sft_common import collate_rows, encode_rows  # noqa: E402  (after the offline switches)

MUON_STEPS = 10  # optimizer steps per timed repetition
NO_SHARING = 10**9  # a MIN_SHARED_PREFIX no batch reaches: every row runs its whole prompt


def _batches(encs: list[dict], pad_id: int, batch: int, by_length: bool = False):
    """The rows in batches of `batch`: in their given (shuffled) order, or sorted by length first (what
    transformers' LengthGroupedSampler does within each group of 50 batches)."""
    if by_length:
        encs = sorted(encs, key=lambda e: len(e["input_ids"]), reverse=True)
    return [collate_rows(encs[i:i + batch], pad_id) for i in range(0, len(encs) - batch + 1, batch)]


def _padding(batches) -> float:
    """The fraction of a batch's positions that are padding, over all batches."""
    return 1 - sum(int(a.sum()) for _, a, _ in batches) / sum(a.numel() for _, a, _ in batches)


def _fwd_bwd(model, batches, losses: list[float]) -> None:
    """Forward and backward of the plain LM head over the batches, recording each batch's loss."""
    for ids, attention, labels in batches:
        out = model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
        out.loss.backward()
        losses.append(out.loss.item())


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
    encs = encode_rows(tokenizer, rows[: a.batch * a.batches])
    batches = _batches(encs, tokenizer.pad_token_id, a.batch)

    drop = plain_lm_head._drop_right_padding_mask
    losses: dict[str, list[float]] = {"mask kept": [], "mask dropped": []}

    def mask_variant(name: str):
        def run():
            plain_lm_head._drop_right_padding_mask = drop if name == "mask dropped" else (lambda kwargs: None)
            _fwd_bwd(model, batches, losses[name])
        return run

    shared = plain_lm_head.MIN_SHARED_PREFIX
    plain_lm_head.MIN_SHARED_PREFIX = NO_SHARING  # the mask alone, without the shared prefix measured below
    attention_s = _interleaved({name: mask_variant(name) for name in losses}, a.reps)
    plain_lm_head._drop_right_padding_mask = drop
    gap = max(abs(x - y) for x, y in zip(losses["mask kept"], losses["mask dropped"]))

    prefix_losses: dict[str, list[float]] = {"per row": [], "shared": []}

    def prefix_variant(name: str):
        def run():
            plain_lm_head.MIN_SHARED_PREFIX = shared if name == "shared" else NO_SHARING
            _fwd_bwd(model, batches, prefix_losses[name])
        return run

    prefix_s = _interleaved({name: prefix_variant(name) for name in prefix_losses}, a.reps)
    plain_lm_head.MIN_SHARED_PREFIX = shared
    prefix_gap = max(abs(x - y) for x, y in zip(prefix_losses["per row"], prefix_losses["shared"]))
    prefix_tokens = statistics.mean(plain_lm_head.shared_prefix_length(ids, attention) for ids, attention, _ in batches)

    orders = {"random": batches, "length-grouped": _batches(encs, tokenizer.pad_token_id, a.batch, by_length=True)}
    group_s = _interleaved({name: functools.partial(_fwd_bwd, model, order, []) for name, order in orders.items()},
                           a.reps)
    padding = {name: _padding(order) for name, order in orders.items()}

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
    print(f"| forward + backward per batch (prompt prefix per row / shared, {prefix_tokens:.0f} tokens) "
          f"| {1000 * prefix_s['per row'] / n:.1f} ms | {1000 * prefix_s['shared'] / n:.1f} ms "
          f"| {prefix_s['per row'] / prefix_s['shared']:.2f}x |")
    print(f"| forward + backward per batch (batches random / length-grouped, padding {padding['random']:.0%} / "
          f"{padding['length-grouped']:.0%}) | {1000 * group_s['random'] / n:.1f} ms "
          f"| {1000 * group_s['length-grouped'] / n:.1f} ms | {group_s['random'] / group_s['length-grouped']:.2f}x |")
    per_step_ms = {name: 1000 * s / MUON_STEPS for name, s in muon_s.items()}
    print(f"| MuonAdamW step (per matrix / stacked) | {per_step_ms['per matrix']:.1f} ms "
          f"| {per_step_ms['stacked']:.1f} ms | {muon_s['per matrix'] / muon_s['stacked']:.2f}x |")
    print(f"\nlargest loss difference, mask kept vs dropped: {gap:.1e}; prefix per row vs shared: {prefix_gap:.1e}")
    return {"causal_speedup": attention_s["mask kept"] / attention_s["mask dropped"],
            "prefix_speedup": prefix_s["per row"] / prefix_s["shared"], "prefix_loss_gap": prefix_gap,
            "group_speedup": group_s["random"] / group_s["length-grouped"], "padding_random": padding["random"],
            "padding_grouped": padding["length-grouped"],
            "ns_stack_speedup": muon_s["per matrix"] / muon_s["stacked"], "loss_gap": gap}


if __name__ == "__main__":
    main()
