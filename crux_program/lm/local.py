"""`LocalLM`: a `dspy.LM` over a local Hugging Face model folder, batching concurrent requests.

    lm = LocalLM("outputs/.models/tiny-abc123", temperature=0.8, top_p=0.95, max_tokens=256)
    dspy.configure(lm=lm)
    tuned = lm.with_model("runs/sft/checkpoint")   # same settings, another checkpoint folder

It is a plain `dspy.LM` with a custom engine (DSPy 3.4's supported extension point; no `forward` override, so
no deprecation warning), which means DSPy's history, callbacks, adapters, n candidates and save/load all
behave as for any other LM. The response cache is off by default: at temperature > 0 a cached answer would
stand in for a fresh sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dspy
from dspy.clients.base_lm import LM_CLASS_STATE_KEY

from crux_program.lm.batching import BatchStats
from crux_program.lm.local_engine import LocalEngine


class LocalLM(dspy.LM):
    """A local HF model folder served through `LocalEngine` (left-padded batches of concurrent requests).

    model_path: folder with config.json, weights and a tokenizer with a chat template.
    device: "auto" | "cpu" | "cuda"; dtype: "auto" (bf16 on GPU, fp32 on CPU) | "float32" | "bfloat16".
    batch_size / batch_window_ms: most requests per `generate`, and how long to wait for more.
    cpu_threads: torch CPU threads (0 = torch's default; set process-wide, see LMConfig).
    temperature, top_p, max_tokens, seed, n: default sampling of each call (a call can override them).
    cache: DSPy's response cache (off by default, see the module docstring).
    lazy: load the weights at the first call, not now (`with_model` does: a trained checkpoint is bound to a
        program that may never run here, e.g. an SFT stage's output that GRPO trains from its own copy).
    """

    def __init__(self, model_path: str | Path, *, device: str = "auto", dtype: str = "auto", batch_size: int = 16,
                 batch_window_ms: float = 20.0, cpu_threads: int = 0, temperature: float = 0.0, top_p: float = 1.0,
                 max_tokens: int = 512, seed: int = 0, n: int = 1, cache: bool = False,
                 engine: LocalEngine | None = None, lazy: bool = False, **kwargs: Any) -> None:
        model_path = Path(model_path)
        if engine is None:
            engine = LocalEngine(model_path, device=device, dtype=dtype, max_batch_size=batch_size,
                                 window_s=batch_window_ms / 1000.0, seed=seed, cpu_threads=cpu_threads, lazy=lazy)
        self.model_path = model_path
        self._settings = {"device": device, "dtype": dtype, "batch_size": batch_size,
                          "batch_window_ms": batch_window_ms, "cpu_threads": cpu_threads}
        if n > 1:
            kwargs["n"] = n
        # Local generation has no transient network failures worth retrying.
        kwargs.setdefault("num_retries", 0)
        super().__init__(f"local/{model_path.name}", engine=engine, temperature=temperature, max_tokens=max_tokens,
                         top_p=top_p, seed=seed, cache=cache, **kwargs)

    @property
    def local_engine(self) -> LocalEngine:
        """The engine holding the model, tokenizer and batcher."""
        return self.engine

    @property
    def stats(self) -> BatchStats:
        """How many `generate` calls ran and how many requests each merged."""
        return self.engine.stats

    def with_model(self, path: str | Path) -> LocalLM:
        """The same kind of LM, with the same device and sampling settings, bound to checkpoint folder `path`."""
        return LocalLM(path, cache=self.cache, lazy=True, **self._settings, **self._call_defaults())

    def _call_defaults(self) -> dict[str, Any]:
        defaults = dict(self.kwargs)
        defaults.setdefault("n", 1)
        defaults["num_retries"] = self.num_retries
        return defaults

    def dump_state(self) -> dict[str, Any]:
        """Reconstruction state (model folder, device, sampling): `dspy.BaseLM.load_state` rebuilds it."""
        return {LM_CLASS_STATE_KEY: f"{type(self).__module__}.{type(self).__qualname__}",
                "model_path": str(self.model_path), "cache": self.cache, **self._settings, **self._call_defaults()}

    @classmethod
    def load_state(cls, state: dict[str, Any], *, allow_custom_lm_class: bool = False) -> LocalLM:
        """Rebuild from `dump_state()` (DSPy asks for allow_custom_lm_class before it imports this class)."""
        state = dict(state)
        state.pop(LM_CLASS_STATE_KEY, None)
        return cls(**state)

    def close(self) -> None:
        """Stop the batcher thread and drop the weights."""
        self.engine.close()
        super().close()
