"""Typed settings for every LM backend: which model, where it runs, and how it samples.

`build_lm(LMConfig(...))` (crux_program.lm.factory) turns one of these into a `dspy.LM`.
Hydra composes the same fields from `conf/lm/*.yaml`; this module never sees a DictConfig.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from crux_program.errors import UserError

LMKind = Literal["tiny", "hf", "openai", "vllm"]
Device = Literal["auto", "cpu", "cuda"]
DType = Literal["auto", "float32", "bfloat16", "float16"]

_KINDS = ("tiny", "hf", "openai", "vllm")
_DEVICES = ("auto", "cpu", "cuda")
_DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class TinySpec:
    """Shape of the tiny model `lm=tiny` builds locally (byte-level BPE + random Qwen2).

    The default is sized for CPU: about 1.4M parameters (hidden 128, 4 layers), so SFT of a few minutes on 2
    cores runs ~1,000 steps and learns a curriculum's format and templates, and generation of a few hundred
    tokens takes well under a second per batch.
    """

    vocab_size: int = 4096
    hidden_size: int = 128
    num_layers: int = 4
    num_heads: int = 4
    max_position: int = 4096
    seed: int = 0
    # "qwen2" (Qwen2's own splitting) or "identifier" (a name is the same token after a space, a backtick or
    # a bracket, so copying it from the spec is plain induction; a Llama model; crux_program.lm.tiny)
    pretokenizer: str = "qwen2"

    def __post_init__(self) -> None:
        from crux_program.lm.tiny import PRETOKENIZERS  # one list of choices, where the splittings live

        if self.pretokenizer not in PRETOKENIZERS:
            raise ValueError(f"lm.tiny.pretokenizer={self.pretokenizer!r}: choose one of {sorted(PRETOKENIZERS)}")

    def to_dict(self) -> dict[str, int | str]:
        """Plain dict (used for the cache-folder hash)."""
        return asdict(self)


@dataclass(frozen=True)
class LMConfig:
    """Settings of one LM backend.

    kind: "tiny" (built locally, cached under `cache_dir`), "hf" (a local Hugging Face model folder in
    `model`), "openai" (any OpenAI-compatible endpoint, e.g. `vllm serve`, at `api_base`), "vllm"
    (vLLM's offline engine on a local folder; optional extra).
    Sampling: temperature, top_p, n, max_tokens, seed are the defaults of every call; a call (or a
    predictor's config) can override them.
    Local backends: device, dtype, batch_size (most requests merged into one `generate`),
    batch_window_ms (how long the batcher waits for more requests after the first one arrives),
    cpu_threads (torch intra-op threads on CPU; 0 leaves torch's default. On a machine shared with other busy
    processes 1 is many times faster: spinning OpenMP threads fight over the cores).
    cache: DSPy's response cache. Off by default for local models: with the cache on, a repeated call at
    temperature > 0 returns the stored answer instead of a new sample.
    Served models (kind "openai"): with `api_base` the model is a name the server knows (vLLM, SGLang, any
    OpenAI-compatible server); without it, `model` is a provider string DSPy routes itself ("openai/gpt-4o-mini",
    "anthropic/..."). api_key_env: the variable holding the key; None means the provider's usual one
    (`key_variable()`), and a server at `api_base` needs none.
    request_timeout_s: "openai" only: seconds one request may take before it fails (and is retried up to
    num_retries times); None leaves the client library's default of several minutes. A request that still
    fails leaves its sample without an answer, which the evaluation reports and a rerun retries.
    """

    kind: LMKind = "tiny"
    model: str | None = None
    api_base: str | None = None
    api_key_env: str | None = None
    temperature: float = 0.0
    top_p: float = 1.0
    n: int = 1
    max_tokens: int = 512
    seed: int = 0
    device: Device = "auto"
    dtype: DType = "auto"
    batch_size: int = 16
    batch_window_ms: float = 20.0
    cpu_threads: int = 0
    cache: bool = False
    num_retries: int = 3
    request_timeout_s: float | None = 300.0
    cache_dir: str = "outputs/.models"
    tiny: TinySpec = field(default_factory=TinySpec)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.tiny, Mapping):  # Hydra hands nested groups over as mappings
            object.__setattr__(self, "tiny", TinySpec(**dict(self.tiny)))
        if not isinstance(self.extra, dict):
            object.__setattr__(self, "extra", dict(self.extra))
        # The messages name the command-line keys (lm.X=...), which is where a user sets them.
        if self.kind not in _KINDS:
            raise UserError(f"lm.kind={self.kind!r}: choose one of {_KINDS} (or pick a preset: lm=tiny, lm=hf, "
                            "lm=openai, lm=vllm)")
        if self.device not in _DEVICES:
            raise UserError(f"lm.device={self.device!r}: choose one of {_DEVICES}")
        if self.dtype not in _DTYPES:
            raise UserError(f"lm.dtype={self.dtype!r}: choose one of {_DTYPES}")
        if self.kind in ("hf", "openai", "vllm") and not self.model:
            what = "the served model's name" if self.kind == "openai" else "a local model folder"
            raise UserError(f"lm={self.kind} needs `model` ({what}): add lm.model=...")
        if self.kind == "openai" and not self.api_base and "/" not in (self.model or ""):
            raise UserError(f"lm.model={self.model} has no lm.api_base: for a served model add "
                            "lm.api_base=http://HOST:PORT/v1 (vllm serve listens on http://localhost:8000/v1); for a "
                            f"hosted provider write its model string, e.g. lm.model=openai/{self.model}")
        if not 0.0 <= self.temperature <= 2.0:
            raise UserError(f"lm.temperature={self.temperature} must lie in [0, 2]")
        if not 0.0 < self.top_p <= 1.0:
            raise UserError(f"lm.top_p={self.top_p} must lie in (0, 1]")
        if self.n < 1 or self.max_tokens < 1 or self.batch_size < 1:
            raise UserError("lm.n, lm.max_tokens and lm.batch_size must be at least 1")
        if self.cpu_threads < 0:
            raise UserError("lm.cpu_threads must be >= 0 (0 = torch's default)")
        if self.batch_window_ms < 0:
            raise UserError("lm.batch_window_ms must be >= 0")
        if self.request_timeout_s is not None and self.request_timeout_s <= 0:
            raise UserError(f"lm.request_timeout_s={self.request_timeout_s}: use a positive number of seconds, "
                            "or null for the client library's default")

    def key_variable(self) -> str:
        """The environment variable the API key is read from: `api_key_env`, else the provider's usual one
        (OPENAI_API_KEY for a server at api_base or an "openai/..." model, ANTHROPIC_API_KEY for "anthropic/...")."""
        if self.api_key_env:
            return self.api_key_env
        if self.api_base or "/" not in (self.model or ""):
            return "OPENAI_API_KEY"
        return self.model.split("/", 1)[0].upper().replace("-", "_") + "_API_KEY"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> LMConfig:
        """Build from a plain mapping, refusing unknown keys with their names (typos fail loudly)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"Unknown LMConfig keys {unknown}; known keys are {sorted(known)}")
        return cls(**dict(values))

    def sampling_kwargs(self) -> dict[str, Any]:
        """Default call settings handed to `dspy.LM` (n only when above 1, as DSPy expects)."""
        kwargs: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }
        if self.n > 1:
            kwargs["n"] = self.n
        return kwargs
