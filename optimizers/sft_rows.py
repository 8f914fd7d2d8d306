"""Rendered SFT rows as token tensors, the way TRL's SFTTrainer builds them (for benchmarks and held-out scoring).

`encode_rows` tokenises each row's prompt + completion through the chat template with the assistant mask;
`collate_rows` right-pads a group of them into (input_ids, attention_mask, labels) with the loss on the answer
only (`completion_only_loss`), as the trainer's collator does.
"""
from __future__ import annotations


def encode_rows(tokenizer, rows) -> list[dict]:
    """Each row's chat-template token ids and answer mask, as SFT tokenises it."""
    return [tokenizer.apply_chat_template(r.prompt + r.completion, tokenize=True, return_dict=True,
                                          return_assistant_tokens_mask=True) for r in rows]


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
