"""The trusted names of one differential simulation's wrapper, all carrying the run's hidden suffix.

The wrapper is elaborated in the same design as the candidates, and Verilog resolves a task call or a
hierarchical name by searching upward through the enclosing scopes: under a fixed name a candidate could call
the wrapper's `check` task (inflating its own sample count), read the reference instance's outputs
(`u_r.q`) or write a sibling's error counter. Every name here ends with a fresh random suffix per simulation
(`sim.loaders.hidden_suffix()`), so no candidate can spell one. The parent writes the suffix into the plan;
the cocotb test rebuilds the same names from it. Kept free of imports: it is loaded inside the simulator.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrapperNames:
    """Every identifier the wrapper declares, derived from one hidden suffix (e.g. `_3fa9c01b22de`)."""

    suffix: str

    @property
    def top(self) -> str:
        """The wrapper module, the simulation's top level."""
        return f"diff_top{self.suffix}"

    @property
    def stim(self) -> str:
        """Packed vector of every driven input, written by cocotb once per cycle."""
        return f"stim{self.suffix}"

    @property
    def clk(self) -> str:
        return f"clk{self.suffix}"

    @property
    def check_en(self) -> str:
        """Set by cocotb once the first reset sequence is over."""
        return f"check_en{self.suffix}"

    @property
    def samples(self) -> str:
        """How many times the wrapper compared outputs (the parent checks it against the plan)."""
        return f"samples{self.suffix}"

    @property
    def check(self) -> str:
        """The comparison task."""
        return f"check{self.suffix}"

    def err(self, k: int) -> str:
        """Mismatch counter of candidate k."""
        return f"err_{k}{self.suffix}"

    def first(self, k: int) -> str:
        """Sample index of candidate k's first mismatch."""
        return f"first_{k}{self.suffix}"

    def exp(self, k: int) -> str:
        """Reference outputs at candidate k's first mismatch."""
        return f"exp_{k}{self.suffix}"

    def got(self, k: int) -> str:
        """Candidate k's outputs at its first mismatch."""
        return f"got_{k}{self.suffix}"

    def net(self, prefix: str, port: str) -> str:
        """The wire carrying output `port` of instance `prefix` ("r" for the reference, "cK" for candidate K)."""
        return f"{prefix}_{port}{self.suffix}"

    def instance(self, prefix: str) -> str:
        return f"u_{prefix}{self.suffix}"
