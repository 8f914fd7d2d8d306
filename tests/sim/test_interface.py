"""sim.interface: ports and widths elaborated by pyslang, clocks and resets found in the always blocks."""
from __future__ import annotations

import pytest

from sim.interface import Clocking, PortIO, VerilogParseError, infer_clocking, module_io, module_names

PARAMETERISED = """
module helper #(parameter N = 2) (input [N-1:0] a, output [N-1:0] b);
  assign b = a;
endmodule
module top #(parameter W = 8, parameter D = W * 2) (
  input clk, input [W-1:0] d, output [D-1:0] q, inout [3:0] bus
);
  localparam L = 3;
  helper #(.N(W)) h (.a(d), .b(q[W-1:0]));
endmodule
"""


def test_module_io_elaborates_widths_with_default_parameters():
    io = module_io(PARAMETERISED, "top")
    assert io.name == "top"
    assert io.ports == [PortIO("clk", "input", 1), PortIO("d", "input", 8), PortIO("q", "output", 16),
                        PortIO("bus", "inout", 4)]
    assert io.parameters == [("W", "8"), ("D", "16")]  # localparam L is not overridable
    assert module_io(PARAMETERISED, "helper").ports == [PortIO("a", "input", 2), PortIO("b", "output", 2)]


def test_module_io_defaults_to_the_uninstantiated_top():
    assert module_io(PARAMETERISED).name == "top"
    assert module_names(PARAMETERISED) == ["helper", "top"]
    assert module_names("module only(output z); assign z = 0; endmodule") == ["only"]


def test_parse_errors_carry_the_first_diagnostic():
    with pytest.raises(VerilogParseError, match="expected"):
        module_io("module m(input a output b); endmodule")
    with pytest.raises(VerilogParseError, match="'TopModule' not found"):
        module_io("module RefModule(input a); endmodule", "TopModule")
    with pytest.raises(VerilogParseError, match="no module"):
        module_io("wire x;")
    assert module_names("wire x;") == []


ASYNC_LOW = """
module m(input clk, input rst_n, input d, output reg q);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 1'b0; else q <= d;
endmodule
"""
SYNC_HIGH_NEGEDGE = """
module m(input clock, input reset, input en, input [3:0] d, output reg [3:0] q);
  always @(negedge clock) begin
    if (reset) q <= '0;
    else if (en) q <= d;
  end
endmodule
"""
SYNC_LOW_EQ = """
module m(input clk, input resetn, input d, output reg [1:0] s);
  typedef enum logic [1:0] {A, B} st_t;
  always_ff @(posedge clk) begin
    if (resetn == 1'b0) s <= A;
    else s <= {s[0], d};
  end
endmodule
"""
ENABLE_ONLY = """
module m(input clk, input ena, input [7:0] d, output reg [7:0] q);
  always @(posedge clk) if (ena) q <= d;
endmodule
"""
COMBINATIONAL = """
module m(input a, input b, input clk_sel, output y);
  assign y = clk_sel ? a : b;
endmodule
"""
NAMED_ODDLY = """
module m(input ck, input zap, input d, output reg q);
  always @(posedge ck or posedge zap) if (zap) q <= 0; else q <= d;
endmodule
"""


@pytest.mark.parametrize("source, expected", [
    (ASYNC_LOW, Clocking("clk", "posedge", "rst_n", True, True)),
    (SYNC_HIGH_NEGEDGE, Clocking("clock", "negedge", "reset", False, False)),
    (SYNC_LOW_EQ, Clocking("clk", "posedge", "resetn", True, False)),
    (ENABLE_ONLY, Clocking("clk", "posedge", None, False, False)),  # an enable loads data: not a reset
    (COMBINATIONAL, Clocking()),
    (NAMED_ODDLY, Clocking("ck", "posedge", "zap", False, True)),  # found from the code, not the names
])
def test_infer_clocking_finds_clock_reset_polarity_and_kind(source, expected):
    assert infer_clocking(source, "m") == expected


def test_infer_clocking_on_verilog_eval_references(verilog_eval_dir):
    def clocking(name: str) -> Clocking:
        return infer_clocking((verilog_eval_dir / f"{name}_ref.sv").read_text(), "RefModule")

    assert clocking("Prob047_dff8ar") == Clocking("clk", "posedge", "areset", False, True)
    assert clocking("Prob060_m2014_q4k") == Clocking("clk", "posedge", "resetn", True, False)
    assert clocking("Prob035_count1to10").reset == "reset"  # `if (reset || q == 10) q <= 1`
    assert clocking("Prob145_circuit8").clock_edge == "negedge"
    assert clocking("Prob027_fadd").clock is None


_HOLD_AT_EXIT = """
import importlib, inspect, pathlib, threading, time
held = []
for path in sorted(p for pkg in ("sim", "crux_program", "optimizers") for p in pathlib.Path(pkg).rglob("*.py")):
    if "pyslang" in path.read_text(encoding="utf-8"):
        module = importlib.import_module(".".join(path.with_suffix("").parts))
        held += [f for f in vars(module).values() if inspect.isfunction(f) and f.__module__ == module.__name__][:1]
assert len(held) > 10, held
threading.Thread(target=lambda objects=held: time.sleep(600), daemon=True).start()
"""


def test_no_pyslang_type_outlives_the_interpreter():
    """A daemon thread still running at exit keeps the globals of every function it holds; if a module kept a
    pyslang binding type there, nanobind would print `leaked ...` after pytest's summary. Here one function of
    every module that uses pyslang is held so, and the interpreter must exit silently."""
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", _HOLD_AT_EXIT], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nanobind" not in done.stderr, done.stderr[:1500]
