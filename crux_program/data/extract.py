"""A deterministic, partial CRUX read off the code alone (pyslang through sim.interface).

It knows the interface (module, parameters, ports with directions and widths) and the clocking facts
(clock and edge, reset port, polarity, sync/async), but nothing about intent, so its Core Functions are
only structural. Distillation uses it as the fallback when no teacher CRUX survives the filter, and as a
check of teacher CRUXes (the interface must agree with it).
"""
from __future__ import annotations

from crux_program.crux import Crux, ModuleInterface, Parameter, Port
from sim.interface import infer_clocking, module_io


def extract_crux(verilog: str, top: str | None = None) -> Crux:
    """The partial CRUX of module `top` (default: the file's top); raises sim.interface.VerilogParseError."""
    io = module_io(verilog, top)
    ck = infer_clocking(verilog, io.name)
    edge = "rising" if ck.clock_edge == "posedge" else "falling"
    roles: dict[str, str] = {}
    functions: list[str] = []
    considerations: list[str] = []
    if ck.clock:
        roles[ck.clock] = "clock"
        functions.append(f"Sequential logic: state updates on the {edge} edge of `{ck.clock}`.")
    else:
        functions.append("Purely combinational logic: outputs follow the inputs with no clock.")
    if ck.reset:
        level = "low" if ck.reset_active_low else "high"
        kind = "asynchronous" if ck.reset_async else "synchronous"
        roles[ck.reset] = f"active-{level} {kind} reset"
        considerations.append(f"`{ck.reset}` is {'an' if ck.reset_async else 'a'} {kind} active-{level} reset.")
    elif ck.clock:
        considerations.append("No reset was found: state starts undefined.")
    ports = [Port(name=p.name, direction=p.direction, width=str(p.width), description=roles.get(p.name, ""))
             for p in io.ports]
    params = [Parameter(name=name, default=str(value)) for name, value in io.parameters]
    return Crux(interface=ModuleInterface(module_name=io.name, parameters=params, ports=ports),
                core_functions=functions, key_considerations=considerations)
