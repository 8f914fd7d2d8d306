"""Differential mode: candidates against the golden reference in one cocotb simulation (see run.py).

The package import stays light because the cocotb test imports `sim.differential.stimulus` inside the
simulator; `run_differential` is loaded on first use.
"""
from __future__ import annotations

__all__ = ["run_differential"]


def __getattr__(name: str):
    if name == "run_differential":
        from sim.differential.run import run_differential

        return run_differential
    raise AttributeError(name)
