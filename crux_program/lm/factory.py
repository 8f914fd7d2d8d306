"""`build_lm(cfg)`: the one place an `LMConfig` becomes a `dspy.LM`.

    tiny   -> the tiny model for cfg.tiny, built under cfg.cache_dir/tiny-<hash> if missing, as a LocalLM
    hf     -> LocalLM over the local model folder cfg.model (transformers, batched)
    openai -> dspy.LM over an OpenAI-compatible endpoint at cfg.api_base (or a provider string in cfg.model)
    vllm   -> dspy.LM over vLLM's offline engine (optional extra; imported only here, only when chosen)
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import dspy

from crux_program.lm.config import LMConfig


def _local_lm(path: Path, cfg: LMConfig) -> dspy.LM:
    from crux_program.lm.local import LocalLM

    return LocalLM(path, device=cfg.device, dtype=cfg.dtype, batch_size=cfg.batch_size,
                   batch_window_ms=cfg.batch_window_ms, cpu_threads=cfg.cpu_threads, temperature=cfg.temperature, top_p=cfg.top_p,
                   max_tokens=cfg.max_tokens, seed=cfg.seed, n=cfg.n, cache=cfg.cache, **cfg.extra)


def tiny_model_path(cfg: LMConfig, texts: Iterable[str] | None = None) -> Path:
    """Folder of the tiny model `cfg` describes, built (once) on first use.

    texts: what its tokenizer is trained on (default: the built-in corpus). The main job passes the training
    split as the program renders it, so the tokenizer fits the prompts the model will see; the cache key
    includes the texts, so another corpus gives another folder.
    """
    from crux_program.lm.tiny import ensure_tiny_model

    return ensure_tiny_model(Path(cfg.cache_dir), cfg.tiny.to_dict(), texts=texts)


def build_lm(cfg: LMConfig, texts: Iterable[str] | None = None) -> dspy.LM:
    """A ready `dspy.LM` for `cfg` (see the module docstring); `texts` only matter for kind "tiny"."""
    if cfg.kind == "tiny":
        return _local_lm(tiny_model_path(cfg, texts), cfg)
    if cfg.kind == "hf":
        return _local_lm(Path(cfg.model), cfg)
    if cfg.kind == "openai":
        from crux_program.lm.openai_compat import openai_lm

        return openai_lm(cfg)
    if cfg.kind == "vllm":
        from crux_program.lm.vllm_engine import VLLMEngine

        engine = VLLMEngine(cfg.model, dtype="auto" if cfg.dtype == "auto" else cfg.dtype, seed=cfg.seed,
                            max_batch_size=max(cfg.batch_size, 1), window_s=cfg.batch_window_ms / 1000.0)
        return dspy.LM(f"local/{Path(cfg.model).name}", engine=engine, cache=cfg.cache, num_retries=0,
                       **cfg.sampling_kwargs(), **cfg.extra)
    raise ValueError(f"Unknown LM kind {cfg.kind!r}")  # LMConfig validates; kept for type checkers
