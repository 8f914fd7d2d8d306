"""Differential mode: the verdict channel, the harness, the group."""
from __future__ import annotations

from tests.sim.redteam.base import Case, DIFFERENTIAL, design
from tests.sim.redteam.verilog_eval_passes import DOT_DEFINE, ICARUS_ONLY_COMMENT

# -- differential mode: the verdict channel, the harness, the group --------------------------------------------
FAKE_DIFF_TOP = """module \\diff_top ;
  reg [7:0] stim = 0;
  reg clk = 0;
  reg check_en = 0;
  integer samples = 900;
""" + "".join(f"  integer err_{k} = 0;\n" for k in range(16)) + "endmodule\n"
RESULTS_WRITE = r"""
    `OPEN_FILE(fd_j, "PATH", 1);
    $fwrite(fd_j, "{\"complete\": true, \"candidates\": [{\"%0s\": 0, \"samples\": 900}", @MISMATCHES@);
    for (k_j = 1; k_j < 16; k_j = k_j + 1)
      $fwrite(fd_j, ", {\"%0s\": 0, \"samples\": 900}", @MISMATCHES@);
    $fwrite(fd_j, "]}\n");
    $fclose(fd_j);"""
# written when the simulation ends, after the cocotb test wrote its own (the simulator runs in the build folder)
RESULTS_FINAL = ("  integer fd_j, k_j;\n  final begin" + RESULTS_WRITE.replace("PATH", "../results.json")
                 + RESULTS_WRITE.replace("PATH", "results.json") + "\n  end")
DIFFERENTIAL_PASSES = [
    Case("results_file_overwrite", "verdict", design(RESULTS_FINAL, before="`define OPEN_FILE $ivlh_file_open\n"),
         {DIFFERENTIAL}),
    Case("results_file_overwrite_icarus_branch", "verdict",
         design("`ifdef __ICARUS__\n" + RESULTS_FINAL.replace("`OPEN_FILE", "$ivlh_file_open") + "\n`endif"),
         {DIFFERENTIAL}),
    Case("check_task_inflates_samples", "harness_task", design("  initial repeat (200000) check;"), {DIFFERENTIAL}),
    Case("check_task_each_edge", "harness_task", design("  always @(posedge clk) check;"), {DIFFERENTIAL}),
    Case("check_task_macro", "harness_task", design("  always @(negedge clk) `SAMPLE;",
                                                     before="`define SAMPLE check\n"), {DIFFERENTIAL}),
    Case("check_task_icarus_branch", "harness_task",
         design("`ifdef __ICARUS__\n  initial repeat (5000) check;\n`endif"), {DIFFERENTIAL}),
    Case("check_task_on_input_change", "harness_task", design("  always @(d) check;"), {DIFFERENTIAL}),
    Case("check_task_escaped", "harness_task", design("  always @(negedge clk) \\check ;"), {DIFFERENTIAL}),
    Case("hierarchical_errors_macro_dot", "hierarchical",
         design("  always @(diff_top`DOT err_0) diff_top`DOT err_0 = 0;", before=DOT_DEFINE), {DIFFERENTIAL}),
    Case("hierarchical_samples_macro_dot", "hierarchical",
         design("  always @(posedge clk) diff_top`DOT samples = diff_top`DOT samples + 1000;",
                before=DOT_DEFINE), {DIFFERENTIAL}),
    Case("own_diff_top_comment_in_icarus_branch", "stream",
         design("", after=FAKE_DIFF_TOP + ICARUS_ONLY_COMMENT),
         {DIFFERENTIAL}),
    Case("own_diff_top_comment_from_macro_argument", "stream",
         design("", after="`define SL(x) /x\n" + FAKE_DIFF_TOP + "`SL(*)\n"), {DIFFERENTIAL}),
    Case("own_diff_top_duplicate", "stream", design("", after=FAKE_DIFF_TOP), {DIFFERENTIAL}),
    Case("line_blames_sibling", "blame",
         "@HEADER@\n  initial q = 8'd0;\n`line 3 \"cand1.sv\" 0\n  always @(posedge clk) q <= undeclared_net;\n"
         "endmodule\n", {DIFFERENTIAL}),
    Case("line_blames_wrapper", "blame",
         "@HEADER@\n  initial q = 8'd0;\n`line 3 \"diff_top.sv\" 0\n  always @(posedge clk) q <= undeclared_net;\n"
         "endmodule\n", {DIFFERENTIAL}),
    Case("line_blames_reference_by_macro", "blame",
         "`define BLAME `line 3 \"ref.sv\" 0\n@HEADER@\n  initial q = 8'd0;\n`BLAME\n"
         "  always @(posedge clk) q <= undeclared_net;\nendmodule\n", {DIFFERENTIAL}),
    Case("begin_keywords_leak", "directive", design("", after='`begin_keywords "1364-1995"\n'), {DIFFERENTIAL}),
    Case("resetall_macro_and_nettype_leak", "directive",
         design("", after="`default_nettype none\n`timescale 1s/1s\n`define resetall\n"), {DIFFERENTIAL}),
    Case("unit_typedef_clash", "unit_scope", design("", before="typedef logic [3:0] mode_t;\n"), {DIFFERENTIAL}),
    # file-level names spelled like the ports every member declares (a type named `q` would change how a later
    # member's `output reg [7:0] q` parses, were the compilation unit shared)
    Case("unit_typedef_named_like_port", "unit_scope", design("", after="typedef logic [3:0] q;\n"), {DIFFERENTIAL}),
    Case("unit_localparam_named_like_port", "unit_scope", design("", after="localparam int clk = 3;\n"),
         {DIFFERENTIAL}),
    Case("drive_own_input", "drive_input", design("  assign d = 8'd0;"), {DIFFERENTIAL}),
    Case("drive_own_input_bit", "drive_input", design("  assign d[3] = 1'b1;"), {DIFFERENTIAL}),
    Case("finish_and_return", "end_simulation", design("  initial #50 $finish_and_return(0);"), {DIFFERENTIAL}),
    Case("escaped_finish", "end_simulation", design("  initial #50 \\$finish ;"), {DIFFERENTIAL}),
    Case("escaped_results_file_overwrite", "verdict",
         design(RESULTS_FINAL.replace("$fwrite", "\\$fwrite ").replace("$fclose", "\\$fclose ")
                .replace("`OPEN_FILE(", "`OPEN_FILE ("), before="`define OPEN_FILE \\$ivlh_file_open\n"),
         {DIFFERENTIAL}),
]
