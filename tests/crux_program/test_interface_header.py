"""A Module Interface as a Verilog module header: written, read back, and read from what models write."""
from __future__ import annotations

import pytest

from crux_program.crux import ModuleInterface, Parameter, Port
from crux_program.interface_header import (interface_from_header, interface_to_header, range_width, read_interface,
                                           width_range)
from crux_program.interface_check import evaluate_width

FIFO = ModuleInterface(
    module_name="fifo",
    parameters=[Parameter(name="WIDTH", default="8", description="data width"), Parameter(name="DEPTH", default="1<<4")],
    ports=[Port(name="clk", direction="input", description="clock"),
           Port(name="din", direction="input", width="WIDTH", description="data in"),
           Port(name="count", direction="output", width="$clog2(DEPTH)"),
           Port(name="wide", direction="output", width="2*WIDTH", description="a: b, c"),
           Port(name="bus", direction="inout", width="16")])


def test_header_text_is_a_verilog_module_header() -> None:
    assert interface_to_header(FIFO) == "\n".join([
        "module fifo #(",
        "    parameter WIDTH = 8,  // data width",
        "    parameter DEPTH = 1<<4",
        ") (",
        "    input clk,  // clock",
        "    input [WIDTH-1:0] din,  // data in",
        "    output [($clog2(DEPTH))-1:0] count,",
        "    output [(2*WIDTH)-1:0] wide,  // a: b, c",
        "    inout [15:0] bus",
        ");"])


def test_round_trip_is_exact() -> None:
    assert interface_from_header(interface_to_header(FIFO)) == FIFO
    bare = ModuleInterface(module_name="top", ports=[])
    assert interface_from_header(interface_to_header(bare)) == bare


@pytest.mark.parametrize("width", ["1", "8", "WIDTH", "2*N", "$clog2(DEPTH)", "N+1", "[7:0]", "[0:7]", "[WIDTH:1]"])
def test_width_and_range_agree_on_bits(width: str) -> None:
    values = {"WIDTH": 8, "N": 3, "DEPTH": 16}
    back = range_width(width_range(width))
    assert evaluate_width(back, values) == evaluate_width(width, values)


def test_reads_what_models_write() -> None:
    text = """Here is the interface:
module top_module #(parameter W = 4) (input wire clk, rst,   // clock and reset
    // the operand
    input signed [W-1:0] a,
    output reg [7:0] y, output logic z /* flag */);"""
    iface = interface_from_header(text)
    assert iface.module_name == "top_module" and iface.parameters == [Parameter(name="W", default="4")]
    assert [(p.name, p.direction, p.width, p.description) for p in iface.ports] == [
        ("clk", "input", "1", ""), ("rst", "input", "1", "clock and reset"), ("a", "input", "W", "the operand"),
        ("y", "output", "8", ""), ("z", "output", "1", "")]


@pytest.mark.parametrize("text, message", [
    ("input a, output b", "no `module`"),
    ("module m (a, b);", "no direction"),
    ("module m (input a b);", "cannot read"),
    ("module m (input a,", "never closed"),
    ("module 9m (input a);", "identifier"),
])
def test_bad_headers_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        interface_from_header(text)


def test_read_interface_takes_the_header_or_the_json_value() -> None:
    assert read_interface(interface_to_header(FIFO)) == FIFO
    assert read_interface(FIFO.model_dump_json()) == FIFO
    with pytest.raises(ValueError):
        read_interface("not an interface")
