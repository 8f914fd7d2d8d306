"""Interface checks against pyslang's view of real Verilog: planted port errors are each caught."""
from __future__ import annotations

import pytest

from crux_program.crux import Crux, ModuleInterface, Parameter, Port
from crux_program.interface_check import PortMismatch, check_interface, evaluate_width

CRUX = Crux(interface=ModuleInterface(
    module_name="fifo",
    parameters=[Parameter(name="WIDTH", default="8"), Parameter(name="DEPTH", default="2**4")],
    ports=[Port(name="clk", direction="input"), Port(name="din", direction="input", width="WIDTH"),
           Port(name="dout", direction="output", width="[WIDTH-1:0]"),
           Port(name="count", direction="output", width="$clog2(DEPTH)+1"),
           Port(name="bus", direction="inout", width="2*WIDTH")]))

GOOD = """
module fifo #(parameter WIDTH = 8, parameter DEPTH = 16) (
  input clk, input [WIDTH-1:0] din, output reg [WIDTH-1:0] dout,
  output [$clog2(DEPTH):0] count, inout [2*WIDTH-1:0] bus);
  assign count = 0;
endmodule
"""


def test_matching_interface_is_ok() -> None:
    report = check_interface(CRUX, GOOD)
    assert report.ok and report.score == 1.0, report.summary()
    assert report.summary() == "interface matches the CRUX"


@pytest.mark.parametrize("planted, field, expected", [
    ("input [WIDTH-1:0] din,", "missing", ["din"]),
    ("input [WIDTH-1:0] din, input extra_en,", "extra", ["extra_en"]),
    ("input [WIDTH:0] din,", "wrong_width", [PortMismatch("din", "8", "9")]),
    ("output [WIDTH-1:0] din,", "wrong_direction", [PortMismatch("din", "input", "output")]),
])
def test_planted_port_errors_are_caught(planted: str, field: str, expected: list) -> None:
    source = GOOD.replace("input [WIDTH-1:0] din,", "" if field == "missing" else planted)
    report = check_interface(CRUX, source)
    assert getattr(report, field) == expected
    assert not report.ok and 0.0 < report.score < 1.0


def test_wrong_module_name_is_caught() -> None:
    report = check_interface(CRUX, GOOD.replace("module fifo", "module my_fifo"))
    assert report.found_module == "my_fifo" and not report.ok
    assert "expected 'fifo'" in report.summary()
    assert report.missing == [] and report.score == pytest.approx(15 / 16)


def test_width_follows_crux_parameter_defaults() -> None:
    wider = CRUX.model_copy(deep=True)
    wider.interface.parameters[0].default = "16"
    report = check_interface(wider, GOOD)
    assert {m.name for m in report.wrong_width} == {"din", "dout", "bus"}


def test_unparsable_code_scores_zero() -> None:
    report = check_interface(CRUX, "module fifo(input clk; endmodule")
    assert report.parse_error and report.score == 0.0 and not report.ok


@pytest.mark.parametrize("width, bits", [("1", 1), ("8", 8), ("W", 4), ("2*W", 8), ("[7:0]", 8), ("[W-1:0]", 4),
                                         ("[0:W]", 5), ("$clog2(16)", 4), ("W/2", 2), ("4'd3", 3), ("[8]", 8)])
def test_evaluate_width(width: str, bits: int) -> None:
    assert evaluate_width(width, {"W": 4}) == bits


@pytest.mark.parametrize("width", ["UNKNOWN", "2**100000", "foo(3)", "8 bits"])
def test_unreadable_widths_raise(width: str) -> None:
    with pytest.raises(ValueError):
        evaluate_width(width, {})


def test_unresolved_width_is_reported_not_punished() -> None:
    crux = Crux(interface=ModuleInterface(module_name="m", ports=[Port(name="a", direction="input", width="MYSTERY")]))
    report = check_interface(crux, "module m(input [3:0] a); endmodule")
    assert report.unresolved_widths == ["a"] and report.ok and report.score == 1.0
