"""LM backends for the CRUX program: a batched local Hugging Face engine, OpenAI-compatible endpoints, vLLM's
offline engine (optional), and a builder for tiny local models. `build_lm(LMConfig(...))` picks one.

Heavy imports (torch, transformers) happen only when a local model is actually built or loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crux_program.lm.config import LMConfig, TinySpec
from crux_program.lm.factory import build_lm

if TYPE_CHECKING:
    from crux_program.lm.local import LocalLM
    from crux_program.lm.tiny import build_tiny_model

__all__ = ["LMConfig", "LocalLM", "TinySpec", "build_lm", "build_tiny_model"]


def __getattr__(name: str) -> Any:
    # LocalLM and the tiny builder pull in torch/transformers: load them on first use only.
    if name == "LocalLM":
        from crux_program.lm.local import LocalLM

        return LocalLM
    if name == "build_tiny_model":
        from crux_program.lm.tiny import build_tiny_model

        return build_tiny_model
    raise AttributeError(f"module 'crux_program.lm' has no attribute {name!r}")
