"""Unearned passes under VerilogEval's rule (testbench mode)."""
from __future__ import annotations

from tests.sim.redteam.base import Case, DIFFERENTIAL, VERILOG_EVAL, design

# -- unearned passes under VerilogEval's rule ----------------------------------------------------------------
# a macro that expands to `.`: the line after it starts with a backtick, so no word-level pattern sees `DOT .name`
# a comment opened where only Icarus looks (pyslang never defines __ICARUS__), built by a macro so that Icarus
# reports no missing `endif: it swallows every file compiled after this one
ICARUS_ONLY_COMMENT = "`ifdef __ICARUS__\n`define OPEN_COMMENT /\n`OPEN_COMMENT*\n`endif\n"
DOT_DEFINE = "`define DOT .\n`define DOT_DEFINED 1\n"
FAKE_TB = """module tb;
  initial #20 $display("%0s", @VERDICT@);
endmodule
"""
VERILOG_EVAL_PASSES = [
    Case("fake_verdict_final_display", "verdict", design('  final $display("%0s", @VERDICT@);'),
         {VERILOG_EVAL}),
    Case("fake_verdict_stdout_descriptor", "verdict",
         design('  final $fdisplay(32\'h8000_0001, "%0s", @VERDICT@);'), {VERILOG_EVAL}),
    Case("fake_verdict_dev_stdout", "verdict", design("""  integer fd_s;
  final begin
    $ivlh_file_open(fd_s, "/dev/stdout", 1);
    $fwrite(fd_s, "%0s\\n", @VERDICT@);
  end"""), {VERILOG_EVAL}),
    Case("own_tb_comment_from_macro", "stream", design("", after="`define SL /\n" + FAKE_TB + "`SL*\n"),
         {VERILOG_EVAL}),
    Case("own_tb_comment_from_macro_argument", "stream",
         design("", after="`define SL(x) /x\n" + FAKE_TB + "`SL(*)\n"), {VERILOG_EVAL}),
    Case("own_tb_comment_in_icarus_branch", "stream",
         design("", after=FAKE_TB + ICARUS_ONLY_COMMENT),
         {VERILOG_EVAL}),
    Case("own_tb_unterminated_comment", "stream", design("", after=FAKE_TB + "/*"), {VERILOG_EVAL}),
    Case("own_tb_escaped_name", "stream", design("", after=FAKE_TB.replace("module tb;", "module \\tb ;")),
         {VERILOG_EVAL}),
    Case("finish_and_return_after_first_sample", "end_simulation",
         design("  initial begin @(posedge clk); #0; $finish_and_return(0); end"), {VERILOG_EVAL}),
    Case("finish_and_return_timescale", "end_simulation",
         design("  initial #6 $finish_and_return(0);", before="`timescale 1ps/1ps\n"), {VERILOG_EVAL}),
    Case("finish_and_return_macro", "end_simulation",
         design("  initial begin @(posedge clk); #0; `STOP_NOW(0); end",
                before="`define STOP_NOW $finish_and_return\n"), {VERILOG_EVAL}),
    Case("finish_and_return_icarus_branch", "end_simulation",
         design("`ifdef __ICARUS__\n  initial begin @(posedge clk); #0; $finish_and_return(0); end\n`endif"),
         {VERILOG_EVAL}),
    # Icarus calls a system task spelled as an escaped identifier (`\\$finish `); pyslang reads an identifier.
    Case("escaped_finish_and_return", "end_simulation",
         design("  initial begin @(posedge clk); #0; \\$finish_and_return (0); end"), {VERILOG_EVAL}),
    Case("escaped_finish", "end_simulation", design("  initial begin @(posedge clk); #0; \\$finish ; end"),
         {VERILOG_EVAL}),
    Case("escaped_stop_from_macro", "end_simulation",
         design("  initial begin @(posedge clk); #0; `HALT ; end", before="`define HALT \\$stop\n"), {VERILOG_EVAL}),
    Case("hierarchical_macro_dot", "hierarchical",
         design("  always @(tb`DOT stats1) if (tb`DOT stats1[159:32] != 128'd0) tb`DOT stats1[159:32] = 128'd0;",
                before=DOT_DEFINE), {VERILOG_EVAL}),
    Case("hierarchical_macro_dot_sample_count", "hierarchical",
         design("  always @(posedge clk) tb`DOT stats1[31:0] = 32'd100000;", before=DOT_DEFINE),
         {VERILOG_EVAL}),
    Case("hierarchical_macro_whole_path", "hierarchical",
         design("  always @(`ERRS) if (`ERRS != 128'd0) `ERRS = 128'd0;",
                before="`define ERRS tb.stats1[159:32]\n"), {VERILOG_EVAL}),
    Case("hierarchical_icarus_branch", "hierarchical",
         design("`ifdef __ICARUS__\n  always @(tb.stats1) if (tb.stats1[159:32] != 128'd0) "
                "tb.stats1[159:32] = 128'd0;\n`endif"), {VERILOG_EVAL}),
    Case("hierarchical_escaped_root", "hierarchical",
         design("  always @(\\tb .stats1) if (\\tb .stats1[159:32] != 128'd0) \\tb .stats1[159:32] = 128'd0;"),
         {VERILOG_EVAL}),
    # A local declaration named like the testbench's reference instance (`good1`), somewhere the dotted name
    # cannot see it: the name resolves upward, to the reference's own outputs.
    Case("reference_outputs_via_block_in_generate", "hierarchical",
         "@HEADER@\n  generate if (1) begin : g\n    always @(posedge clk) begin : good1 end\n  end endgenerate\n"
         "  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_block_in_task", "hierarchical",
         "@HEADER@\n  task t; begin : good1 end endtask\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_instance_in_dead_branch", "hierarchical",
         "@HEADER@\n  generate if (0) begin : g\n    TopModule good1 (.clk(clk), .d(d), .q());\n  end endgenerate\n"
         "  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_struct_in_function", "hierarchical",
         "@HEADER@\n  typedef struct packed {logic [7:0] q;} s_t;\n"
         "  function automatic logic [7:0] f(input logic [7:0] x); s_t good1; good1.q = x; f = good1.q; endfunction\n"
         "  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    # the decoy is a generate block that is never elaborated: its label is declared around the name, but at
    # elaboration there is nothing there and the name again resolves upward
    Case("reference_outputs_via_false_if_generate", "hierarchical",
         "@HEADER@\n  if (0) begin : good1 end\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_empty_loop_generate", "hierarchical",
         "@HEADER@\n  genvar i;\n  for (i = 0; i < 0; i = i + 1) begin : good1 end\n  always @* q = good1.q;\n"
         "endmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_unmatched_case_generate", "hierarchical",
         "@HEADER@\n  case (0) 1: begin : good1 end endcase\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_untaken_else_generate", "hierarchical",
         "@HEADER@\n  if (1) begin : g0 end else begin : good1 end\n  always @* q = good1.q;\nendmodule\n",
         {VERILOG_EVAL}),
    # the decoy is a generate block that pyslang elaborates and Icarus does not ($bits of an unpacked type: 4 to
    # pyslang, not to Icarus), with the member the dotted name asks for
    Case("reference_outputs_via_generate_the_tools_disagree_on", "hierarchical",
         "@HEADER@\n  typedef logic t_t [0:3];\n  if ($bits(t_t) == 4) begin : good1\n    wire [7:0] q = 8'd0;\n"
         "  end\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_generate_the_tools_disagree_on_variable", "hierarchical",
         "@HEADER@\n  logic [1:0] arr [0:3];\n  if ($bits(arr) == 8) begin : good1\n    wire [7:0] q = 8'd0;\n"
         "  end\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    # the decoy is a gate or UDP instance: an instance name to the parser, no scope to Icarus
    Case("reference_outputs_via_gate_instance", "hierarchical",
         "@HEADER@\n  wire o1;\n  and good1 (o1, clk, clk);\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_udp_instance", "hierarchical",
         "primitive buf1 (output o, input i);\n  table 0 : 0; 1 : 1; endtable\nendprimitive\n"
         "@HEADER@\n  wire o1;\n  buf1 good1 (o1, clk);\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    # the decoy is a member of a struct or union variable: declared around the name, but not a name of the scope
    Case("reference_outputs_via_struct_member", "hierarchical",
         "@HEADER@\n  typedef struct packed {logic [7:0] q;} s_t;\n  struct packed {s_t good1;} holder;\n"
         "  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_union_member", "hierarchical",
         "@HEADER@\n  typedef struct packed {logic [7:0] q;} s_t;\n"
         "  union packed {s_t good1; logic [7:0] raw;} holder;\n  always @* q = good1.q;\nendmodule\n", {VERILOG_EVAL}),
    # the decoy is an array (of generate scopes, of instances): the name without an index is not it
    Case("reference_outputs_via_loop_generate_of_one", "hierarchical",
         "@HEADER@\n  genvar i;\n  for (i = 0; i < 1; i = i + 1) begin : good1 end\n  always @* q = good1.q;\n"
         "endmodule\n", {VERILOG_EVAL}),
    Case("reference_outputs_via_instance_array", "hierarchical",
         "module Helper; endmodule\n@HEADER@\n  Helper good1 [0:0] ();\n  always @* q = good1.q;\nendmodule\n",
         {VERILOG_EVAL}),
    # the candidate supplies a trusted module of its own under the published name: a stimulus that never changes,
    # a reference that agrees with it
    Case("own_stimulus_generator", "stream",
         design("", after="module stimulus_gen(input clk, output reg [7:0] d, output reg [511:0] wavedrom_title,\n"
                          "                    output reg wavedrom_enable);\n  initial d = 8'd0;\nendmodule\n"),
         {VERILOG_EVAL}),
    Case("own_reference_module", "stream",
         design("", after="module RefModule(input clk, input [7:0] d, output reg [7:0] q);\n  initial q = 8'd0;\n"
                          "  always @(posedge clk) q <= 8'd0;\nendmodule\n"), {VERILOG_EVAL}),
    # The testbench draws its stimulus from the simulator's one `$random` generator, which the candidate shares:
    # mirroring it with a seeded copy, the candidate burns draws until the testbench's next one is 0, so that a
    # design that always outputs 0 is never shown anything else.
    Case("stimulus_steered_to_zero", "stimulus", design("""  integer shadow = 0, probe, v, burn;
  task steer;
    begin
      probe = shadow;
      burn = 0;
      v = $random(probe);
      while ((v & 255) != 0) begin burn = burn + 1; v = $random(probe); end
      repeat (burn) begin v = $random; v = $random(shadow); end
    end
  endtask
  initial steer;
  always @(posedge clk or negedge clk) begin
    #1;
    v = $random(shadow);
    steer;
  end""", before="`timescale 1ps/1ps\n"), {VERILOG_EVAL}),
    Case("instantiate_reference", "reference",
         "module TopModule(input clk, input [7:0] d, output [7:0] q);\n  RefModule r (.clk(clk), .d(d), .q(q));\n"
         "endmodule\n", {VERILOG_EVAL}),
    Case("drive_own_input", "drive_input", design("  assign d = 8'd0;"), {VERILOG_EVAL}),
    # Icarus collapses an input port with the testbench's net: a force on it feeds the reference the same value
    Case("force_own_input", "drive_input", design("  initial force d = 8'h00;"), {VERILOG_EVAL, DIFFERENTIAL}),
    Case("drive_input_supply_strength", "drive_input", design("  assign (supply0, supply1) d = 8'h00;"),
         {VERILOG_EVAL, DIFFERENTIAL}),
    Case("drive_input_switch_to_supply", "drive_input",
         design("  supply0 gnd;\n  genvar i;\n  for (i = 0; i < 8; i = i + 1) begin : g\n    tran t (d[i], gnd);\n"
                "  end"), {VERILOG_EVAL}),
    Case("drive_input_declared_inout", "drive_input",
         "module TopModule(input clk, inout [7:0] d, output reg [7:0] q);\n  assign d = 8'hxx;\n@WRONG@\nendmodule\n",
         {VERILOG_EVAL, DIFFERENTIAL}),
    Case("begin_keywords_leak", "directive", design("", after='`begin_keywords "1364-1995"\n'), {VERILOG_EVAL}),
    Case("line_directive_blames_testbench", "directive",
         "@HEADER@\n`line 40 \"test.sv\" 0\n  always @(posedge clk) q <= undeclared_net;\nendmodule\n",
         {VERILOG_EVAL}),
]
