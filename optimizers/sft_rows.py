"""Rendered SFT rows as token tensors, the way TRL's SFTTrainer builds them (for benchmarks and held-out scoring).

`encode_rows` tokenises each row's prompt + completion through the chat template and marks the answer tokens as
TRL does for conversational prompt-completion rows: everything after the prompt rendered with its generation
prompt. So any chat template works; none needs `{% generation %}` markers;
`collate_rows` right-pads a group of them into (input_ids, attention_mask, labels) with the loss on the answer
only (`completion_only_loss`), as the trainer's collator does.
"""
from __future__ import annotations


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
