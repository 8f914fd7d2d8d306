"""What every design family yields, and the few Verilog/prose helpers they share.

A family is a small class with a `name`, a `sequential` flag and `build(rng) -> Design`: it samples its
parameters from `rng`, then writes the behaviour prose, the CRUX facts and the reference module in one
fixed style (ANSI port list, `wire`/`reg` spelled out, 4-space indent) so a small model sees one dialect.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, Protocol

from crux_program.crux import Crux, ModuleInterface, Port

Direction = Literal["input", "output"]
PortKind = Literal["clock", "reset", "data"]


@dataclass(frozen=True)
class PortSpec:
    """One port of a generated design; `role` is the short phrase used in specs."""

    name: str
    direction: Direction
    width: int
    role: str
    kind: PortKind = "data"
    reg: bool = False  # declared `output reg` (assigned in an always block)

    def decl(self) -> str:
        """The ANSI declaration, e.g. `output reg [7:0] q`."""
        net = "reg" if self.reg else "wire"
        rng = f" [{self.width - 1}:0]" if self.width > 1 else ""
        return f"{self.direction} {net}{rng} {self.name}"

    def phrase(self) -> str:
        """`an 8-bit input `a``-style prose used when the interface section is gone."""
        size = f"{self.width}-bit " if self.width > 1 else "1-bit "
        return f"`{self.name}` ({size}{self.direction}, {self.role})"


@dataclass(frozen=True)
class Design:
    """One concrete family instance: everything except how the spec is phrased.

    params: the functional parameters (widths, encodings, reset style...) that define the split key;
    names (module, ports) vary freely and are not part of it.
    """

    family: str
    module: str
    params: tuple[tuple[str, str], ...]
    ports: tuple[PortSpec, ...]
    summary: str  # one sentence: what the module is
    behaviour: tuple[str, ...]  # core functions, one behaviour each
    considerations: tuple[str, ...]  # reset policy, timing, edge cases
    verilog: str
    sequential: bool

    @property
    def params_key(self) -> str:
        """Canonical text of the functional parameters, e.g. `width=8;signed=1`."""
        # readable text, not a sim.fingerprint digest: it names a combination in split ranks and provenance
        return ";".join(f"{k}={v}" for k, v in self.params)

    def crux(self) -> Crux:
        """The gold CRUX for this design."""
        ports = [
            Port(name=p.name, direction=p.direction, width=str(p.width), description=p.role)
            for p in self.ports
        ]
        return Crux(
            interface=ModuleInterface(module_name=self.module, ports=ports),
            core_functions=list(self.behaviour),
            key_considerations=list(self.considerations),
        )


class Family(Protocol):
    """A parameterised design family."""

    name: str
    sequential: bool

    def build(self, rng: random.Random) -> Design:
        """Sample parameters from `rng` and return the design."""
        ...


class OffGridRandom(random.Random):
    """A seeded RNG under which `grid_value` draws the numbers a family's grid lacks (off-grid designs).

    drew_off_grid: set once a draw found a gap (a family without numeric grids never sets it).
    """

    drew_off_grid: bool = False


def grid_value(rng: random.Random, grid: list[int]) -> int:
    """A family's main number (a width, a modulus, a count): one of `grid`, drawn as `rng.choice(grid)`.

    Under an `OffGridRandom` it is an integer between the grid's ends that the grid lacks (a 7-bit reverser
    where the grid has 6 and 8), or the grid's own draw when it has no gap. Held-out combinations are drawn
    from the grids, so an off-grid design never repeats one; the curriculum trains on a few of them so that a
    model learns to copy numbers from the spec rather than recall the family's usual ones (docs/DATA.md).
    """
    if isinstance(rng, OffGridRandom):
        gaps = [v for v in range(min(grid), max(grid) + 1) if v not in grid]
        if gaps:
            rng.drew_off_grid = True
            return rng.choice(gaps)
    return rng.choice(grid)


def module_text(name: str, ports: tuple[PortSpec, ...], body: str) -> str:
    """A whole module in the house style; `body` is already indented by 4 spaces."""
    decls = ",\n".join(f"    {p.decl()}" for p in ports)
    return f"module {name} (\n{decls}\n);\n{body.rstrip()}\nendmodule\n"


def indent(lines: str, levels: int = 1) -> str:
    """Indent every non-empty line by `levels` x 4 spaces."""
    pad = "    " * levels
    return "\n".join(pad + ln if ln else ln for ln in lines.strip("\n").split("\n"))


def lit(width: int, value: int) -> str:
    """A sized decimal literal: lit(8, 0) -> `8'd0`."""
    return f"{width}'d{value}"


def bits(width: int) -> str:
    """`8-bit` or `1-bit`."""
    return f"{width}-bit"


@dataclass(frozen=True)
class Clocking:
    """Clock edge and reset style of a sequential design, sampled once per design."""

    clk: str
    edge: Literal["posedge", "negedge"]
    rst: str
    asynchronous: bool
    active_low: bool

    @staticmethod
    def sample(rng: random.Random) -> "Clocking":
        """Edge, reset kind and polarity vary; names follow the polarity (`rst_n` is active-low)."""
        active_low = rng.random() < 0.5
        asynchronous = rng.random() < 0.5
        pool = {(True, True): ["rst_n", "arst_n"], (True, False): ["rst_n", "reset_n"],
                (False, True): ["rst", "areset"], (False, False): ["rst", "reset"]}[(active_low, asynchronous)]
        return Clocking(
            clk=rng.choice(["clk", "clk", "clock"]),
            edge="posedge" if rng.random() < 0.75 else "negedge",
            rst=rng.choice(pool),
            asynchronous=asynchronous,
            active_low=active_low,
        )

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        return (
            ("edge", self.edge),
            ("reset", "async" if self.asynchronous else "sync"),
            ("reset_active", "low" if self.active_low else "high"),
        )

    def ports(self) -> tuple[PortSpec, PortSpec]:
        """The clock and reset ports, in that order."""
        pol = "active-low" if self.active_low else "active-high"
        kind = "asynchronous" if self.asynchronous else "synchronous"
        return (
            PortSpec(self.clk, "input", 1, "clock", "clock"),
            PortSpec(self.rst, "input", 1, f"{pol} {kind} reset", "reset"),
        )

    def always(self, reset_body: str, run_body: str) -> str:
        """An always block: reset branch then the clocked behaviour (bodies unindented)."""
        sens = f"{self.edge} {self.clk}"
        if self.asynchronous:
            sens += f" or {'negedge' if self.active_low else 'posedge'} {self.rst}"
        cond = f"!{self.rst}" if self.active_low else self.rst
        return (
            f"always @({sens}) begin\n"
            f"    if ({cond}) begin\n{indent(reset_body, 2)}\n    end else begin\n"
            f"{indent(run_body, 2)}\n    end\nend"
        )

    def sentences(self, what: str) -> tuple[str, ...]:
        """Key considerations for clocking and reset; `what` says what the reset clears."""
        edge = "rising" if self.edge == "posedge" else "falling"
        level = "low" if self.active_low else "high"
        if self.asynchronous:
            rst = f"`{self.rst}` is an asynchronous active-{level} reset that immediately sets {what}"
        else:
            rst = f"`{self.rst}` is a synchronous active-{level} reset that sets {what} on the clock edge"
        return (f"All state changes on the {edge} edge of `{self.clk}`.", rst + ".")
