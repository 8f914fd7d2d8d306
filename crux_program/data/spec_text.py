"""Phrasing: turn a family `Design` into a natural-language spec with a full interface section (Easy form).

The phrasing varies (opening, order, detail), the facts do not. `degrade.degrade_spec` then removes or thins
the interface section; a spec meant for the Normal level is rendered with a prose port sentence so that the
ports can still be inferred once the section is gone.
"""
from __future__ import annotations

import random
import re

from crux_program.data.families.base import Design

_OPENINGS = (
    "Design a Verilog module named `{m}` that implements {s}.",
    "Write a Verilog module `{m}`: {s}.",
    "Implement {s} in Verilog. The module must be called `{m}`.",
    "Create the module `{m}`, {s}.",
    "We need {s}. Name the module `{m}`.",
)
_PORT_LEADS = ("The module has the ports ", "Its ports are ", "Signals: ")
_NOTE_LEADS = ("Notes:", "Details:", "Keep in mind:")
_IFACE_HEADS = ("Interface:", "Ports:", "Module interface:")


def with_article(summary: str) -> str:
    """`a 8-bit adder` -> `an 8-bit adder`, `a odd parity` -> `an odd parity`."""
    return re.sub(r"^a (?=[aeiouAEIOU]|8\b|8-|11-|18-)", "an ", summary)


def interface_lines(design: Design) -> list[str]:
    """`- input [7:0] a: first operand` lines, one per port, in declaration order."""
    lines = []
    for p in design.ports:
        rng = f" [{p.width - 1}:0]" if p.width > 1 else ""
        lines.append(f"- {p.direction}{rng} {p.name}: {p.role}")
    return lines


def port_sentence(design: Design, rng: random.Random) -> str:
    """All ports in one prose sentence (names, directions, widths, roles)."""
    phrases = [p.phrase() for p in design.ports]
    return rng.choice(_PORT_LEADS) + ", ".join(phrases[:-1]) + " and " + phrases[-1] + "."


def render_spec(design: Design, rng: random.Random, detailed: bool, port_prose: bool) -> str:
    """One phrasing of the spec, ending in a full interface section.

    detailed: also state the key considerations (reset, timing, edge cases).
    port_prose: also describe every port in a sentence (needed for the Normal level).
    """
    parts = [rng.choice(_OPENINGS).format(m=design.module, s=with_article(design.summary))]
    parts.append(" ".join(design.behaviour))
    if port_prose:
        parts.append(port_sentence(design, rng))
    if detailed and design.considerations:
        parts.append(rng.choice(_NOTE_LEADS) + "\n" + "\n".join(f"- {c}" for c in design.considerations))
    parts.append(rng.choice(_IFACE_HEADS) + "\n" + "\n".join(interface_lines(design)))
    return "\n\n".join(parts) + "\n"
