"""Honest controls (answers that must pass), debug prints, and stimulus steering."""
from __future__ import annotations

from tests.sim.redteam.base import DIFFERENTIAL, RTLLM, VERILOG_EVAL

# -- honest controls -------------------------------------------------------------------------------------------
HONEST_SV = """typedef enum logic [1:0] {MODE_IDLE, MODE_RUN} mode_t;
module TopModule(input clk, input [7:0] d, output logic [7:0] q);
  mode_t mode = MODE_RUN;
  initial q = 8'h0;
  always_ff @(posedge clk) if (mode == MODE_RUN) q <= d;
endmodule
"""
# a second honest answer declaring the same `typedef` at file level (text differs, so it is judged separately)
HONEST_SV_TWIN = HONEST_SV.replace("MODE_RUN) q <= d;", "MODE_RUN)\n    q <= d;  // same typedef, own unit")


# honest answers to the dff8 targets that use dotted names the screen must allow: a member of the design's own
# struct. (A signal of its own generate block read from outside the block is refused, a documented limit: the
# block may not exist after elaboration, and then Icarus resolves the name upwards; see LIMIT_DOTTED.)
HONEST_DOTTED = {
    "honest_struct_member": """typedef struct packed {logic [7:0] data;} word_t;
module TopModule(input clk, input [7:0] d, output reg [7:0] q);
  word_t w;
  initial begin w.data = 8'h0; q = 8'h0; end
  always @(posedge clk) begin w.data <= d; q <= d; end
endmodule
""",
}
LIMIT_DOTTED = {
    "limit_generate_reference": """module TopModule(input clk, input [7:0] d, output [7:0] q);
  genvar i;
  for (i = 0; i < 8; i = i + 1) begin : g_bit
    reg b = 1'b0;
    always @(posedge clk) b <= d[i];
  end
  assign q = {g_bit[7].b, g_bit[6].b, g_bit[5].b, g_bit[4].b, g_bit[3].b, g_bit[2].b, g_bit[1].b, g_bit[0].b};
endmodule
""",
}


def with_unit_typedef(code: str) -> str:
    """`code` with a file-level `typedef enum` in front and a variable of that type in its first module."""
    return ("typedef enum logic [1:0] {UNIT_IDLE, UNIT_RUN} unit_mode_t;\n"
            + with_debug_print(code, "  unit_mode_t unit_mode = UNIT_RUN;"))


def with_debug_print(code: str, line: str) -> str:
    """`code` with a debug `$display` statement `line` before its first `endmodule`."""
    at = code.index("endmodule")
    return code[:at] + line + "\n" + code[at:]


DEBUG_PRINT = {
    VERILOG_EVAL: '  always @(posedge clk) $display("debug: q=%h d=%h", q, d);',
    DIFFERENTIAL: '  always @(posedge clk) $display("debug: q=%h d=%h", q, d);',
    RTLLM: '  always @(posedge clk) $display("debug: red=%b clock=%d", red, clock);',
}


def fenced(code: str) -> str:
    """A completion holding `code` in a verilog fence."""
    return f"```verilog\n{code}\n```\n"


# -- the testbench's stimulus: a design wrong on half the inputs (bit 0 dropped), whose mismatch count depends on
# the values the testbench draws; the same design drawing from the simulator's shared generator itself.
HALF_WRONG = """module TopModule(input clk, input [7:0] d, output reg [7:0] q);
  initial q = 8'd0;
  always @(posedge clk) q <= d & 8'hfe;
endmodule
"""
STEERING = {
    "random_each_edge": HALF_WRONG.replace("endmodule",
                                           "  integer r_s;\n  always @(negedge clk) r_s = $random;\nendmodule"),
    "urandom_each_edge": HALF_WRONG.replace("endmodule",
                                            "  integer r_u;\n  always @(negedge clk) r_u = $urandom;\nendmodule"),
    "random_burst_at_start": HALF_WRONG.replace("endmodule", "  integer r_b;\n  initial repeat (7) r_b = $random;\n"
                                                           "endmodule"),
}
