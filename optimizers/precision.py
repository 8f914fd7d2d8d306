"""Which precision a training run uses: bf16 compute on CUDA, fp32 on CPU unless asked.

`auto`: bf16 on CUDA (weights: optimizers.model_folder.weights_dtype), fp32 on CPU. `bf16` on CPU keeps fp32
weights and runs the forward pass under `torch.autocast("cpu", bfloat16)`. Whether that pays depends on the CPU
and the model's width, so it is opt-in: on an EPYC with AVX512-BF16 it was 1.5x faster at hidden
256; on a Xeon with AMX it was 1.5x *slower* at hidden 128 and 1.06x slower at 256, side by side
(`python -m benches.sft_lift ... --max-steps 150 --precision fp32` against `--precision bf16`); without
native bf16 it is emulated and slower still. fp32 also gives the same numerics on every CPU.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Literal

Precision = Literal["auto", "fp32", "bf16"]
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
log = logging.getLogger(__name__)


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
    if precision == "bf16" and device == "cpu" and not cpu_has_native_bf16():
        log.warning("precision=bf16 on a CPU without native bf16 (AVX512-BF16/AMX): bf16 is emulated and "
                    "slower than fp32 here; precision=auto trains in fp32 on CPU.")
    if precision != "auto":
        return precision == "bf16"
    return device == "cuda"  # CPU: fp32 (module docstring: bf16 autocast is slower on some native-bf16 CPUs)
