"""Build a tiny causal LM from scratch: a byte-level BPE trained here plus a random-initialised Qwen2 or Llama.

No weights are ever downloaded. The result is a normal model folder that `AutoTokenizer` and
`AutoModelForCausalLM` load back, with a ChatML chat template whose `{% generation %}` markers let TRL's
`assistant_only_loss` mask everything but the answer.

    from crux_program.lm.tiny import build_tiny_model
    path = build_tiny_model(Path("outputs/.models/tiny"), texts=my_curriculum_texts)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from crux_program.lm.tiny_corpus import default_texts
from sim.fingerprint import digest_json, digest_parts

PAD_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [PAD_TOKEN, IM_START, IM_END]
QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# "identifier" pre-tokenisation: a run of letters and underscores is a piece of its own, never glued to the
# space, backtick or bracket before it. Qwen2's regex makes `a` after a space (`Ġa`) and `a` after a backtick
# or "(" two different tokens, so copying a name from the spec (`` `sum` is ...``) into the code (`assign sum`)
# is a learnt token-to-token mapping per name; here it is the same token, which a small model can copy with a
# plain induction head. Costs ~1.4x tokens per row (spaces become tokens of their own).
IDENTIFIER_PRETOKENIZE_REGEX = r"""[\p{L}_]+|\p{N}| ?[^\s\p{L}\p{N}_]+[\r\n]*|\s*[\r\n]+[ \t]*|\s+"""
PRETOKENIZERS = {"qwen2": QWEN2_PRETOKENIZE_REGEX, "identifier": IDENTIFIER_PRETOKENIZE_REGEX}

# ChatML, as Qwen2 uses it. The assistant turn sits inside {% generation %} so that
# apply_chat_template(..., return_assistant_tokens_mask=True) marks exactly the answer (and its <|im_end|>,
# which the model must learn to emit to stop).
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['role'] == 'assistant' %}"
    "{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}{{- '\\n' }}"
    "{%- else %}"
    "{{- message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def _train_tokenizer(texts: Iterable[str], vocab_size: int, pretokenizer: str = "qwen2"):
    """Byte-level BPE trained on `texts`; returns a transformers fast tokenizer with the chat template."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    # "qwen2": exactly Qwen2's normaliser and pre-tokeniser: AutoTokenizer loads a qwen2 folder as Qwen2Tokenizer,
    # which installs these, so training with anything else would make the loaded tokenizer split text
    # differently. "identifier" is saved with a Llama config, whose folders AutoTokenizer loads as written.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZERS[pretokenizer]), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte encodes, whatever the corpus
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=IM_END, pad_token=PAD_TOKEN, unk_token=None,
        additional_special_tokens=[IM_START],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"  # decoder-only batches are padded on the left for generation
    return fast


def _model_config(tokenizer, hidden_size: int, num_layers: int, num_heads: int, max_position: int,
                  arch: str = "qwen2"):
    from transformers import LlamaConfig, Qwen2Config

    if hidden_size % num_heads:
        raise ValueError(f"hidden_size={hidden_size} must be divisible by num_heads={num_heads}")
    # Round the embedding up to a multiple of 64: friendlier matmul shapes, room for added tokens later.
    vocab = ((len(tokenizer) + 63) // 64) * 64
    # Llama here is Qwen2's block without the q/k/v biases; both are what vLLM and PEFT know by name.
    config_cls = Qwen2Config if arch == "qwen2" else LlamaConfig
    return config_cls(
        vocab_size=vocab,
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 4,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_heads,
        max_position_embeddings=max_position,
        tie_word_embeddings=True,  # halves the parameters of a small-vocab model
        bos_token_id=tokenizer.convert_tokens_to_ids(IM_START),
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        use_cache=True,
    )


def build_tiny_model(
    out_dir: Path,
    texts: Iterable[str] | None = None,
    vocab_size: int = 4096,
    hidden_size: int = 256,
    num_layers: int = 4,
    num_heads: int = 4,
    max_position: int = 4096,
    seed: int = 0,
    pretokenizer: str = "qwen2",
) -> Path:
    """Train a tokenizer on `texts` (default: the built-in corpus), random-initialise a model, save both.

    Returns `out_dir`, a folder that `AutoTokenizer.from_pretrained` and `AutoModelForCausalLM.from_pretrained`
    load. The vocabulary may come out smaller than `vocab_size` when the texts are too small to fill it.
    `pretokenizer`: "qwen2" (a Qwen2 model with Qwen2's own splitting) or "identifier" (identifiers are the
    same tokens whatever precedes them; a Llama model, see IDENTIFIER_PRETOKENIZE_REGEX).
    Deterministic for a given (texts, sizes, seed).
    """
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    out_dir = Path(out_dir)
    texts = list(default_texts() if texts is None else texts)
    if not texts:
        raise ValueError("build_tiny_model needs at least one training text for the tokenizer")
    if pretokenizer not in PRETOKENIZERS:
        raise ValueError(f"pretokenizer={pretokenizer!r}: choose one of {sorted(PRETOKENIZERS)}")
    tokenizer = _train_tokenizer(texts, vocab_size, pretokenizer)
    arch = "qwen2" if pretokenizer == "qwen2" else "llama"
    config = _model_config(tokenizer, hidden_size, num_layers, num_heads, max_position, arch)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=False
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out_dir)
    model.save_pretrained(out_dir)
    return out_dir


def tiny_model_key(settings: dict, texts_digest: str = "default") -> str:
    """Short hash naming a cached tiny model: same settings and texts, same folder."""
    return digest_json({"settings": settings, "texts": texts_digest}, length=12)


def texts_digest(texts: Iterable[str] | None) -> str:
    """Content hash of a tokenizer corpus ("default" for the built-in one)."""
    if texts is None:
        return "default"
    return digest_parts(texts)


def ensure_tiny_model(cache_dir: Path, settings: dict, texts: Iterable[str] | None = None) -> Path:
    """The tiny model for `settings` (and tokenizer `texts`) under `cache_dir/tiny-<hash>`, built if missing.

    Built in a temporary sibling folder and renamed into place, so a crashed or concurrent build never
    leaves a half-written folder that later runs would load.
    """
    cache_dir = Path(cache_dir)
    texts = None if texts is None else list(texts)
    target = cache_dir / f"tiny-{tiny_model_key(settings, texts_digest(texts))}"
    if (target / "config.json").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tiny-build-", dir=cache_dir))
    try:
        build_tiny_model(staging, texts=texts, **settings)
        try:
            os.replace(staging, target)
        except OSError:
            if not (target / "config.json").exists():  # lost a race to another builder: theirs is as good
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
