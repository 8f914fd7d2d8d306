"""The generated design of one differential simulation: renamed modules plus a wrapper top.

Every candidate's modules get a unique suffix (`TopModule` -> `TopModule__c3`) so that the reference and a
whole group of candidates elaborate together. The wrapper `diff_top` packs every non-clock input into one
`stim` vector (one write per cycle from cocotb), generates the clock, instantiates the reference and each
candidate on the same inputs, and compares every output of every candidate with the reference at each sample
point. The comparison `ref !== (ref ^ cand ^ ref)` is VerilogEval's: an X/Z bit of the reference makes the
XOR unknown in that bit, which `!==` then accepts, so X in the reference is a don't-care.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sim.interface import Clocking, ModuleIO, PortIO
from sim.loaders import suffix_names

WRAPPER_TOP = "diff_top"
PERIOD_NS = 10  # posedge at 5 + 10k, negedge at 10k; cocotb changes inputs at 7 + 10k
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_MODULE_DECL = re.compile(r"\b(?:module|macromodule|primitive)\s+(?:automatic\s+|static\s+)?([A-Za-z_][\w$]*)")


def declared_modules(source: str) -> list[str]:
    """Names of the modules (and UDPs) a source declares, comments ignored."""
    return _MODULE_DECL.findall(_COMMENTS.sub(" ", source))


def rename_modules(source: str, suffix: str) -> str:
    """Rename every module declared in `source` (and each use of the name) by appending `suffix`.

    Renaming the identifier token everywhere keeps instantiations of helper modules consistent; a net that
    happens to share a module's name is renamed consistently too, so meaning is unchanged. `resetall` first
    stops `default_nettype none` or a `timescale` of an earlier file leaking into this one.
    """
    return "`resetall\n" + suffix_names(source, declared_modules(source), suffix) + "\n"


def port_problems(reference: ModuleIO, candidate: ModuleIO) -> list[str]:
    """Why a candidate cannot replace the reference in the wrapper (missing, extra, mis-sized ports)."""
    problems: list[str] = []
    for ref_port in reference.ports:
        port = candidate.port(ref_port.name)
        if port is None:
            problems.append(f"port '{ref_port.name}' ({ref_port.direction}, {ref_port.width} bits) is missing")
        elif port.direction != ref_port.direction:
            problems.append(f"port '{ref_port.name}' is {port.direction}, expected {ref_port.direction}")
        elif port.width != ref_port.width:
            problems.append(f"port '{ref_port.name}' is {port.width} bits wide, expected {ref_port.width}")
    for port in candidate.ports:
        if reference.port(port.name) is None:
            problems.append(f"port '{port.name}' is not in the reference interface")
    return problems


@dataclass(frozen=True)
class StimLayout:
    """Where each driven input sits in the packed `stim` vector (LSB first)."""

    fields: list[tuple[PortIO, int]]  # (port, lsb)
    width: int

    @classmethod
    def of(cls, io: ModuleIO, clocking: Clocking) -> "StimLayout":
        fields, lsb = [], 0
        for port in io.inputs:
            if port.name == clocking.clock:
                continue
            fields.append((port, lsb))
            lsb += port.width
        return cls(fields, max(1, lsb))

    def lsb_of(self, name: str) -> int | None:
        return next((lsb for port, lsb in self.fields if port.name == name), None)


def output_concat(io: ModuleIO, prefix: str) -> str:
    """`{prefix_o1, prefix_o2}`: all outputs of one instance, first output in the MSBs."""
    return "{" + ", ".join(f"{prefix}_{p.name}" for p in io.outputs) + "}"


def output_width(io: ModuleIO) -> int:
    return sum(p.width for p in io.outputs)


def _instance(io: ModuleIO, module: str, prefix: str, layout: StimLayout, clocking: Clocking) -> str:
    lines = [f"  wire [{p.width - 1}:0] {prefix}_{p.name};" for p in io.outputs]
    conns = []
    for port in io.ports:
        if port.name == clocking.clock:
            conns.append(f".{port.name}(clk)")
        elif port.direction == "input":
            lsb = layout.lsb_of(port.name)
            conns.append(f".{port.name}(stim[{lsb + port.width - 1}:{lsb}])")
        else:
            conns.append(f".{port.name}({prefix}_{port.name})")
    lines.append(f"  {module} u_{prefix} ({', '.join(conns)});")
    return "\n".join(lines)


def wrapper_source(io: ModuleIO, clocking: Clocking, ref_module: str, cand_modules: list[str]) -> str:
    """Verilog of `diff_top` for the reference and candidates `cand_modules` (already renamed)."""
    layout = StimLayout.of(io, clocking)
    ow = output_width(io)
    ref_out = output_concat(io, "r")
    parts = [
        "`resetall",
        "`timescale 1ns/1ps",
        f"module {WRAPPER_TOP};",
        f"  reg [{layout.width - 1}:0] stim = 0;",
        "  reg clk = 0;",
        # Without a reset, initial values count (checked before the first edge); with one, checking starts
        # once cocotb has applied the first reset sequence.
        f"  reg check_en = {0 if clocking.reset else 1};",
        "  integer samples = 0;",
        _instance(io, ref_module, "r", layout, clocking),
    ]
    checks = []
    for k, module in enumerate(cand_modules):
        parts.append(_instance(io, module, f"c{k}", layout, clocking))
        parts.append(f"  integer err_{k} = 0;\n  integer first_{k} = -1;")
        parts.append(f"  reg [{ow - 1}:0] exp_{k} = 0;\n  reg [{ow - 1}:0] got_{k} = 0;")
        cand_out = output_concat(io, f"c{k}")
        checks.append(
            f"      if ({ref_out} !== ({ref_out} ^ {cand_out} ^ {ref_out})) begin\n"
            f"        if (err_{k} == 0) begin first_{k} = samples; exp_{k} = {ref_out}; got_{k} = {cand_out}; end\n"
            f"        err_{k} = err_{k} + 1;\n"
            f"      end"
        )
    body = "\n".join(checks)
    parts.append(f"  task check;\n    begin\n      samples = samples + 1;\n{body}\n    end\n  endtask")
    if clocking.clock is not None:
        parts.append(
            f"  always #{PERIOD_NS // 2} clk = ~clk;\n"
            "  // Three samples per cycle: after the posedge with the old inputs (6), with the new inputs\n"
            "  // before the negedge (9), and after the negedge before the next posedge (14).\n"
            "  initial begin\n    #1;\n    if (check_en) check;  // initial state, before the first posedge\n"
            "    #5;\n    forever begin\n"
            "      if (check_en) check;\n      #3;\n      if (check_en) check;\n"
            "      #5;\n      if (check_en) check;\n      #2;\n    end\n  end"
        )
    else:
        parts.append(
            "  // Combinational: one sample per vector, 2 ns after the inputs change (zero-delay logic settles).\n"
            "  initial begin\n    #9;\n    forever begin\n      if (check_en) check;\n      #10;\n    end\n  end"
        )
    parts.append("endmodule")
    return "\n".join(parts) + "\n"


def samples_per_cycle(clocking: Clocking) -> int:
    return 3 if clocking.clock is not None else 1

