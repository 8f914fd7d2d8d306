"""What the SFT benches share (a helper, not a script): a tiny model and its rows, and rows as token tensors.

- `add_tiny_model_args` / `tiny_model_and_rows`: the curriculum's train split rendered for a program and a fresh
  tiny model whose tokenizer is trained on those rows, as the main job builds it; `logged_losses` reads back the
  losses a `train_sft` run logged (benches.adamw_vs_muon, benches.lm_head_step_time, benches.sft_speedups_step);
- `encode_rows` tokenises each row's prompt + completion through the chat template and marks the answer tokens as
TRL does for conversational prompt-completion rows: everything after the prompt rendered with its generation
prompt. So any chat template works; none needs `{% generation %}` markers;
`collate_rows` right-pads a group of them into (input_ids, attention_mask, labels) with the loss on the answer
only (`completion_only_loss`), as the trainer's collator does (benches.heldout_loss, benches.sft_speedups_micro).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def encode_rows(tokenizer, rows) -> list[dict]:
    """Each row's chat-template token ids ("input_ids") and answer mask ("assistant_masks"), as SFT builds them."""
    encs = []
    for r in rows:
        prompt = tokenizer.apply_chat_template(r.prompt, tokenize=True, return_dict=True,
                                               add_generation_prompt=True)["input_ids"]
        ids = tokenizer.apply_chat_template(r.prompt + r.completion, tokenize=True, return_dict=True)["input_ids"]
        if ids[:len(prompt)] != prompt:
            raise ValueError("The chat template renders the prompt differently once the answer follows it, so the "
                             "answer tokens cannot be told apart (TRL warns on the same rows). Use a template "
                             "whose prompt with add_generation_prompt is a prefix of the whole conversation.")
        encs.append({"input_ids": ids, "assistant_masks": [0] * len(prompt) + [1] * (len(ids) - len(prompt))})
    return encs


def collate_rows(encs: list[dict], pad_id: int):
    """One right-padded (input_ids, attention_mask, labels) batch, loss on the answer only, as SFT builds."""
    import torch

    length = max(len(e["input_ids"]) for e in encs)
    ids = torch.full((len(encs), length), pad_id)
    attention = torch.zeros_like(ids)
    labels = torch.full_like(ids, -100)
    for j, e in enumerate(encs):
        n = len(e["input_ids"])
        ids[j, :n] = torch.tensor(e["input_ids"])
        attention[j, :n] = 1
        answer = torch.tensor(e["assistant_masks"]).bool()
        labels[j, :n][answer] = ids[j, :n][answer]
    return ids, attention, labels


def add_tiny_model_args(p: argparse.ArgumentParser, out: str, program: str = "crux", layers: int = 4) -> None:
    """The arguments `tiny_model_and_rows` and the SFT benches share: --data, --out, --program, --batch,
    --hidden, --layers (defaults per bench: `out`, `program`, `layers`)."""
    p.add_argument("--data", required=True, help="folder written by python -m crux_program.data")
    p.add_argument("--out", default=out)
    p.add_argument("--program", choices=["crux", "direct"], default=program)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=layers)


def logged_losses(train_log: Path) -> list[float]:
    """The training losses a run logged (`train_log.jsonl`, written by `train_sft`), in order."""
    return [r["loss"] for r in map(json.loads, train_log.read_text().splitlines()) if "loss" in r]


def tiny_model_and_rows(data: Path, program: str, out: Path, hidden: int, layers: int):
    """The curriculum's train split in `data` rendered for `program` ("crux" or "direct"), and a fresh tiny model
    (4 heads) in out/tiny whose tokenizer is trained on those rows, as the main job builds it: (model, rows)."""
    from crux_program.data.triplet import read_jsonl
    from crux_program.lm.tiny import build_tiny_model
    from crux_program.modules import CruxPipeline, DirectVerilog
    from optimizers.render import render_examples

    train = [t.to_example() for t in read_jsonl(data / "train.jsonl")]
    rows = render_examples((CruxPipeline if program == "crux" else DirectVerilog)(), train)
    texts = [m["content"] for r in rows for m in r.prompt + r.completion]
    return build_tiny_model(out / "tiny", texts=texts, hidden_size=hidden, num_layers=layers, num_heads=4), rows
