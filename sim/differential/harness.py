"""The generated design of one differential simulation: renamed modules plus a wrapper top.

Every candidate's modules get a unique hidden suffix (`TopModule` -> `TopModule__c3_<hex>`) so that the
reference and a whole group of candidates elaborate together without one naming another. Each file is its
own compilation unit (`iverilog -u`, see run.py): no shared `$unit` (two candidates may declare the same
`typedef`), and no directive or macro of one file reaches the next.

The wrapper packs every non-clock input into one `stim` vector (one write per cycle from cocotb), generates
the clock, instantiates the reference and each candidate on the same inputs, and compares every output of
every candidate with the reference at each sample point. Every name it declares carries the run's hidden
suffix (sim.differential.names). The comparison `ref !== (ref ^ cand ^ ref)` is VerilogEval's: an X/Z bit
of the reference makes the XOR unknown in that bit, which `!==` then accepts, so X in the reference is a
don't-care.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sim.differential.names import WrapperNames
from sim.differential.units import macro_names, top_level_names
from sim.interface import Clocking, ModuleIO, PortIO

PERIOD_NS = 10  # posedge at 5 + 10k, negedge at 10k; cocotb changes inputs at 7 + 10k
# Linear time on any input: an unterminated `/*` runs to the end instead of being retried at every later
# position (the lazy `/\*.*?\*/` alone is quadratic on a long run of `/*`).
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_MODULE_DECL = re.compile(r"\b(?:module|macromodule|primitive)\s+(?:automatic\s+|static\s+)?([A-Za-z_][\w$]*)")
# A whole simple identifier, or a macro use `name (group 1 holds the backtick); never part of a longer
# identifier or of an escaped `\name`.
_IDENTIFIER = re.compile(r"(?<![\w$`\\])(`?)([A-Za-z_][\w$]*)")


def declared_modules(source: str) -> list[str]:
    """Names of the modules (and UDPs) a source declares, comments ignored."""
    return _MODULE_DECL.findall(_COMMENTS.sub(" ", source))


def rename_modules(source: str, suffix: str, keep: frozenset[str] = frozenset()) -> str:
    """Rename every module the source declares, every name it declares at file level and every macro it
    defines (each use too) by appending `suffix`; names in `keep` (the top's port names) stay.

    Renaming the identifier token everywhere keeps instantiations of helper modules consistent; a net that
    happens to share a module's name is renamed consistently too, so meaning is unchanged. One pass over the
    identifiers with a set lookup: linear in the source, however many names it declares. A macro use
    (`` `NAME ``) is renamed only when the file defines NAME.
    """
    macros = macro_names(source)
    names = (set(declared_modules(source)) | top_level_names(source) | macros) - keep
    macros -= keep
    if not names:
        return source

    def renamed(match: re.Match) -> str:
        tick, name = match.group(1), match.group(2)
        return f"{tick}{name}{suffix}" if name in (macros if tick else names) else match.group(0)

    return _IDENTIFIER.sub(renamed, source)


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


def reset_lsb(layout: StimLayout, clocking: Clocking) -> int | None:
    """Bit of `stim` cocotb drives the reset on (None: no driven reset, so checking starts at once).

    The wrapper's initial `check_en`, the plan and the expected sample count all follow this one answer.
    """
    return layout.lsb_of(clocking.reset) if clocking.reset else None


def output_concat(io: ModuleIO, names: WrapperNames, prefix: str) -> str:
    """`{o1, o2}` of one instance's output nets, first output in the MSBs."""
    return "{" + ", ".join(names.net(prefix, p.name) for p in io.outputs) + "}"


def output_width(io: ModuleIO) -> int:
    return sum(p.width for p in io.outputs)


def _instance(io: ModuleIO, module: str, prefix: str, layout: StimLayout, clocking: Clocking,
              names: WrapperNames) -> str:
    lines = [f"  wire [{p.width - 1}:0] {names.net(prefix, p.name)};" for p in io.outputs]
    conns = []
    for port in io.ports:
        if port.name == clocking.clock:
            conns.append(f".{port.name}({names.clk})")
        elif port.direction == "input":
            lsb = layout.lsb_of(port.name)
            conns.append(f".{port.name}({names.stim}[{lsb + port.width - 1}:{lsb}])")
        else:
            conns.append(f".{port.name}({names.net(prefix, port.name)})")
    lines.append(f"  {module} {names.instance(prefix)} ({', '.join(conns)});")
    return "\n".join(lines)


def _compare(io: ModuleIO, names: WrapperNames, k: int) -> str:
    """Candidate k's comparison inside the check task: count mismatches, keep the first one."""
    ref_out, cand_out = output_concat(io, names, "r"), output_concat(io, names, f"c{k}")
    err, first, exp, got, samples = names.err(k), names.first(k), names.exp(k), names.got(k), names.samples
    return (f"      if ({ref_out} !== ({ref_out} ^ {cand_out} ^ {ref_out})) begin\n"
            f"        if ({err} == 0) begin {first} = {samples}; {exp} = {ref_out}; {got} = {cand_out}; end\n"
            f"        {err} = {err} + 1;\n"
            f"      end")


def wrapper_source(io: ModuleIO, clocking: Clocking, ref_module: str, cand_modules: list[str],
                   names: WrapperNames) -> str:
    """Verilog of the wrapper top `names.top` for the reference and candidates `cand_modules` (renamed)."""
    layout = StimLayout.of(io, clocking)
    ow = output_width(io)
    en, check = names.check_en, names.check
    parts = [
        "`timescale 1ns/1ps",
        f"module {names.top};",
        f"  reg [{layout.width - 1}:0] {names.stim} = 0;",
        f"  reg {names.clk} = 0;",
        # Without a reset, initial values count (checked before the first edge); with one, checking starts
        # once cocotb has applied the first reset sequence.
        f"  reg {en} = {0 if reset_lsb(layout, clocking) is not None else 1};",
        f"  integer {names.samples} = 0;",
        _instance(io, ref_module, "r", layout, clocking, names),
    ]
    for k, module in enumerate(cand_modules):
        parts.append(_instance(io, module, f"c{k}", layout, clocking, names))
        parts.append(f"  integer {names.err(k)} = 0;\n  integer {names.first(k)} = -1;")
        parts.append(f"  reg [{ow - 1}:0] {names.exp(k)} = 0;\n  reg [{ow - 1}:0] {names.got(k)} = 0;")
    body = "\n".join(_compare(io, names, k) for k in range(len(cand_modules)))
    parts.append(f"  task {check};\n    begin\n      {names.samples} = {names.samples} + 1;\n{body}\n"
                 "    end\n  endtask")
    if clocking.clock is not None:
        parts.append(
            f"  always #{PERIOD_NS // 2} {names.clk} = ~{names.clk};\n"
            "  // Three samples per cycle: after the posedge with the old inputs (6), with the new inputs\n"
            "  // before the negedge (9), and after the negedge before the next posedge (14).\n"
            f"  initial begin\n    #1;\n    if ({en}) {check};  // initial state, before the first posedge\n"
            "    #5;\n    forever begin\n"
            f"      if ({en}) {check};\n      #3;\n      if ({en}) {check};\n"
            f"      #5;\n      if ({en}) {check};\n      #2;\n    end\n  end"
        )
    else:
        parts.append(
            "  // Combinational: one sample per vector, 2 ns after the inputs change (zero-delay logic settles).\n"
            f"  initial begin\n    #9;\n    forever begin\n      if ({en}) {check};\n      #10;\n    end\n  end"
        )
    parts.append("endmodule")
    return "\n".join(parts) + "\n"


def samples_per_cycle(clocking: Clocking) -> int:
    return 3 if clocking.clock is not None else 1
