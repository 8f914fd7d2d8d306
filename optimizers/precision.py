"""Which precision a training run uses: bf16 mixed precision where the hardware does it natively.

On CUDA the model is loaded in bf16. On CPU the weights stay fp32 and HF's Trainer runs the forward pass under
`torch.autocast("cpu", bfloat16)`: on CPUs with native bf16 dot products (AVX512-BF16, AMX) that is about 1.5x
faster for the tiny model (compare `python -m optimizers.sft_bench --precision fp32` and `--precision bf16`); elsewhere bf16
is emulated and slower, so "auto" keeps fp32 there.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

Precision = Literal["auto", "fp32", "bf16"]
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when /proc/cpuinfo lists a native bf16 instruction set (Linux; False when it cannot tell)."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return any(flag in flags for flag in _NATIVE_BF16_FLAGS)


def use_bf16(device: str, precision: str) -> bool:
    """Whether a run on `device` ("cpu" or "cuda") trains in bf16 under `precision` (auto, fp32, bf16)."""
    if precision not in ("auto", "fp32", "bf16"):
        raise ValueError(f"precision={precision!r}: choose auto, fp32 or bf16")
    if precision != "auto":
        return precision == "bf16"
    return device == "cuda" or cpu_has_native_bf16()
