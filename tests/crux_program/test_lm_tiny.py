"""The tiny model builder: a locally trained tokenizer plus a random Qwen2, saved as a normal model folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crux_program.lm_fixtures import SMALL, random_tiny_model


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return random_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def test_folder_loads_back_with_special_tokens_and_chat_template(tiny_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    assert (tokenizer.eos_token, tokenizer.pad_token) == ("<|im_end|>", "<|endoftext|>")
    assert model.config.eos_token_id == tokenizer.eos_token_id
    assert model.config.pad_token_id == tokenizer.pad_token_id
    assert model.config.hidden_size == SMALL["hidden_size"]
    assert model.config.num_hidden_layers == SMALL["num_layers"]
    assert model.config.vocab_size >= len(tokenizer)
    text = "module top(input [7:0] a, output y);\n  assign y = ^a; // parité\nendmodule\n"
    assert tokenizer.decode(tokenizer.encode(text, add_special_tokens=False)) == text
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                                           tokenize=False)
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_loaded_tokenizer_splits_text_exactly_as_trained(tiny_dir):
    # AutoTokenizer loads a qwen2 folder as Qwen2Tokenizer, which installs its own pre-tokenizer; the builder
    # trains with that same one, so the saved merges apply to the same pieces.
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    raw = Tokenizer.from_file(str(tiny_dir / "tokenizer.json"))
    loaded = AutoTokenizer.from_pretrained(tiny_dir)
    text = "always @(posedge clk) begin\n    if (reset) q <= 8'd0;\nend  // Käse\n"
    assert loaded.encode(text, add_special_tokens=False) == raw.encode(text).ids


def test_generation_markers_mask_exactly_the_answer(tiny_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Write a wire."},
                {"role": "assistant", "content": "wire w;"}]
    out = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                        return_assistant_tokens_mask=True)
    answer = [t for t, keep in zip(out["input_ids"], out["assistant_masks"]) if keep]
    assert tokenizer.decode(answer) == "wire w;<|im_end|>"


def test_tokenizer_learns_from_the_given_texts(tmp_path):
    from transformers import AutoTokenizer

    from crux_program.lm.tiny import build_tiny_model

    texts = ["quuxregister feeds quuxregister into quuxregister"] * 50
    path = build_tiny_model(tmp_path / "m", texts=texts, vocab_size=300, hidden_size=32, num_layers=1,
                            num_heads=2, max_position=256)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert len(tokenizer.tokenize(" quuxregister")) == 1
    default = AutoTokenizer.from_pretrained(random_tiny_model(tmp_path / "d"))
    assert len(default.tokenize(" quuxregister")) > 1


def test_build_is_deterministic_per_seed(tmp_path, tiny_dir):
    import torch
    from safetensors.torch import load_file

    same = random_tiny_model(tmp_path / "same", seed=0)
    other = random_tiny_model(tmp_path / "other", seed=1)
    assert (same / "tokenizer.json").read_text() == (tiny_dir / "tokenizer.json").read_text()
    a, b, c = (load_file(p / "model.safetensors") for p in (tiny_dir, same, other))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_ensure_tiny_model_builds_once_per_settings(tmp_path):
    from crux_program.lm.tiny import ensure_tiny_model

    first = ensure_tiny_model(tmp_path, SMALL | {"seed": 0})
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    again = ensure_tiny_model(tmp_path, SMALL | {"seed": 0})
    other = ensure_tiny_model(tmp_path, SMALL | {"seed": 3})
    assert again == first and (first / "model.safetensors").stat().st_mtime_ns == stamp
    assert other != first and other.name.startswith("tiny-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, other.name])  # no staging left


def test_build_lm_tiny_builds_into_the_cache_and_generates(tmp_path):
    from crux_program.lm import LMConfig, LocalLM, build_lm

    lm = build_lm(LMConfig(kind="tiny", cache_dir=str(tmp_path), tiny=SMALL, max_tokens=5, device="cpu"))
    try:
        assert isinstance(lm, LocalLM)
        assert lm.model_path.parent == tmp_path and (lm.model_path / "config.json").exists()
        (out,) = lm("Write a counter.")
        assert isinstance(out, str)
    finally:
        lm.close()


def test_ensure_tiny_model_keys_the_folder_on_the_tokenizer_texts(tmp_path):
    from transformers import AutoTokenizer

    from crux_program.lm.tiny import ensure_tiny_model

    texts = ["zorblatt module zorblatt"] * 30
    default = ensure_tiny_model(tmp_path, SMALL)
    custom = ensure_tiny_model(tmp_path, SMALL, texts=texts)
    assert custom != default and ensure_tiny_model(tmp_path, SMALL, texts=iter(texts)) == custom
    assert len(AutoTokenizer.from_pretrained(custom).tokenize(" zorblatt")) == 1


def test_identifier_pretokenizer_gives_a_name_one_spelling_in_every_context(tmp_path):
    # With Qwen2's splitting `sum` after a space and `sum` after a backtick or "(" are different tokens, so
    # copying a name from the spec's prose into code is a learnt mapping per name. "identifier" makes them one
    # token, and the folder (a Llama config) loads back with exactly the splitting it was trained with.
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from crux_program.lm.tiny import build_tiny_model

    texts = ["`sum` is a plus b.\n    assign sum = (a + b);\nmodule adder (input a, output sum);"] * 20
    contexts = (" sum", "`sum`", "(sum", "\n    sum")
    ident = build_tiny_model(tmp_path / "i", texts=texts, pretokenizer="identifier", **SMALL)
    qwen = build_tiny_model(tmp_path / "q", texts=texts, **SMALL)
    tok_i, tok_q = AutoTokenizer.from_pretrained(ident), AutoTokenizer.from_pretrained(qwen)
    sum_i = tok_i.convert_tokens_to_ids("sum")
    assert all(sum_i in tok_i.encode(c, add_special_tokens=False) for c in contexts)
    assert tok_q.tokenize(" sum") != tok_q.tokenize("(sum")[1:]  # Qwen2: `Ġsum` after a space, `sum` after "("
    raw = Tokenizer.from_file(str(ident / "tokenizer.json"))
    text = "always @(posedge clk) begin\n    if (reset) q <= 8'd0;\nend  // Käse\n"
    assert tok_i.encode(text, add_special_tokens=False) == raw.encode(text).ids
    assert tok_i.decode(tok_i.encode(text, add_special_tokens=False)) == text
    assert AutoModelForCausalLM.from_pretrained(ident).config.model_type == "llama"


def test_unknown_pretokenizer_is_refused_with_the_choices(tmp_path):
    from crux_program.lm.config import TinySpec
    from crux_program.lm.tiny import build_tiny_model

    with pytest.raises(ValueError, match="identifier"):
        build_tiny_model(tmp_path / "x", texts=["a b"], pretokenizer="gpt2", **SMALL)
    with pytest.raises(ValueError, match="identifier"):
        TinySpec(pretokenizer="gpt2")
