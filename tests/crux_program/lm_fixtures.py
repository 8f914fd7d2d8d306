"""Tiny model folders for the LM tests, built locally in a temp dir (no downloads).

`random_tiny_model` is the plain builder output (random weights: text is gibberish, but real).
`scripted_tiny_model` is the same real Qwen2 architecture with hand-set weights so that greedy decoding answers
every prompt with one fixed string and then EOS: it lets a test check that text makes the whole trip through
the chat template, the batched `generate`, decoding and DSPy's ChatAdapter.
"""

from __future__ import annotations

import os
from pathlib import Path

for _var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

SMALL = {"vocab_size": 400, "hidden_size": 32, "num_layers": 2, "num_heads": 2, "max_position": 1024}
SCRIPTED_ANSWER = "[[ ## answer ## ]]\nforty-two\n\n[[ ## completed ## ]]"


def random_tiny_model(out_dir: Path, seed: int = 0) -> Path:
    """A freshly built tiny model (random weights)."""
    from crux_program.lm.tiny import build_tiny_model

    return build_tiny_model(out_dir, seed=seed, **SMALL)


def scripted_tiny_model(out_dir: Path, answer: str = SCRIPTED_ANSWER) -> Path:
    """A tiny model whose greedy answer to any prompt is `answer` (one added token), then EOS.

    The attention and MLP outputs are zeroed, so the last hidden state is the current token's embedding.
    Every token embeds to direction e0 except the answer token (e1); the output head maps e0 to the answer
    token and e1 to EOS.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    random_tiny_model(out_dir)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    tokenizer.add_tokens([answer])
    answer_id = tokenizer.convert_tokens_to_ids(answer)
    model = AutoModelForCausalLM.from_pretrained(out_dir)
    model.config.tie_word_embeddings = False
    if model.config.vocab_size <= answer_id:
        model.resize_token_embeddings(answer_id + 1)
    hidden = model.config.hidden_size
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        embed = model.model.embed_tokens.weight
        embed.zero_()
        embed[:, 0] = 1.0
        embed[answer_id, 0] = 0.0
        embed[answer_id, 1] = 1.0
        head = torch.zeros(model.config.vocab_size, hidden)
        head[answer_id, 0] = 50.0
        head[tokenizer.eos_token_id, 1] = 50.0
        model.lm_head.weight = torch.nn.Parameter(head)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
