"""Shared test setup: offline everywhere, and where the read-only benchmarks live.

CRUX_BENCHMARKS overrides the benchmark root (default: `<repo>/../shared/benchmarks`).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never reach a model hub or the network.
for _var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(os.environ.get("CRUX_BENCHMARKS", REPO.parent / "shared" / "benchmarks"))


def _require(path: Path) -> Path:
    if not path.is_dir():
        raise FileNotFoundError(f"benchmark folder {path} not found: set CRUX_BENCHMARKS to the folder holding "
                                f"verilog-eval-v2/ and rtllm-v2-sample/")
    return path


@pytest.fixture(scope="session")
def verilog_eval_dir() -> Path:
    """VerilogEval v2 spec-to-rtl dataset folder (156 problems)."""
    return _require(BENCHMARKS / "verilog-eval-v2" / "dataset_spec-to-rtl")


@pytest.fixture(scope="session")
def rtllm_dir() -> Path:
    """RTLLM v2 sample root (10 designs)."""
    return _require(BENCHMARKS / "rtllm-v2-sample")
