"""Interface degradation as a text transform, on synthetic specs and on a user-style spec."""
from __future__ import annotations

import random

from crux_program.data.degrade import degrade_spec, detect_level, find_interface, strip_widths
from crux_program.data.families import FAMILIES
from crux_program.data.spec_text import render_spec

USER_SPEC = """Implement a module named TopModule with the following interface. All input and
output ports are one bit unless otherwise specified.

 - input  clk
 - input  reset
 - input  a (8 bits)
 - output out (8 bits)

The module should register a into out on every rising clock edge; reset clears out.
"""


def _counter_spec() -> str:
    design = FAMILIES["counter"].build(random.Random(1))
    return render_spec(design, random.Random(2), detailed=True, port_prose=True)


def test_easy_keeps_the_spec():
    spec = _counter_spec()
    assert degrade_spec(spec, "easy") == spec
    assert detect_level(spec) == "easy"


def test_normal_drops_the_interface_but_keeps_prose():
    spec = _counter_spec()
    out = degrade_spec(spec, "normal")
    assert find_interface(out) is None and detect_level(out) == "normal"
    assert "Interface:" not in out and "Ports:" not in out and "Module interface:" not in out
    assert out.split("\n\n")[0] == spec.split("\n\n")[0]  # the opening (module name) survives
    user = degrade_spec(USER_SPEC, "normal")
    assert "output ports are one bit" in user and "(8 bits)" not in user and "register a into out" in user


def test_special_strips_widths_or_drops_clock_and_reset():
    no_widths = degrade_spec(USER_SPEC, "special", special_mode="no_widths")
    block = find_interface(no_widths)
    assert [p.name for p in block.ports] == ["clk", "reset", "a", "out"]
    assert "8 bits" not in no_widths
    implicit = degrade_spec(USER_SPEC, "special", special_mode="implicit")
    assert [p.name for p in find_interface(implicit).ports] == ["a", "out"]
    assert "(8 bits)" in implicit


def test_width_forms_are_all_stripped():
    cases = {
        "- input [7:0] a: first operand": "- input a: first operand",
        "  input wire [WIDTH-1:0] data_in,": "  input wire data_in,",
        "- a (input, 8 bits): operand": "- a (input): operand",
        "- `q`: 8-bit output register": "- `q`: output register",
        " - output out (16 bits)": " - output out",
    }
    for line, expected in cases.items():
        assert strip_widths(line) == expected


def test_spec_without_port_list_is_unchanged():
    prose = "Build a module `blinky` that toggles `led` every clock.\nIt has an input clk.\n"
    assert degrade_spec(prose, "normal") == prose
    assert detect_level(prose) == "normal"
