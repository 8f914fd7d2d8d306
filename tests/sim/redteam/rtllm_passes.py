"""Unearned passes under RTLLM's rule."""
from __future__ import annotations

from tests.sim.redteam.base import Case, RTLLM, design
from tests.sim.redteam.verilog_eval_passes import DOT_DEFINE

# -- unearned passes under RTLLM's rule ----------------------------------------------------------------------
RTLLM_PASSES = [
    Case("dev_stdout_writeline", "verdict", design("""  integer fd_s;
  string line_s;
  initial begin
    $ivlh_file_open(fd_s, "/dev/stdout", 1);
    line_s = $sformatf("%0s", @VERDICT@);
    $ivlh_writeline(fd_s, line_s);
  end"""), {RTLLM}),
    Case("proc_self_fd_writeline", "verdict", design("""  integer fd_p;
  string line_p;
  initial begin
    $ivlh_file_open(fd_p, "/proc/self/fd/1", 1);
    line_p = $sformatf("%0s", @VERDICT@);
    $ivlh_writeline(fd_p, line_p);
  end"""), {RTLLM}),
    Case("stdout_descriptor_writeline", "verdict", design("""  integer fd_d = 32'h8000_0001;
  string line_d;
  initial begin
    line_d = $sformatf("%0s", @VERDICT@);
    $ivlh_writeline(fd_d, line_d);
  end"""), {RTLLM}),
    Case("dev_stdout_macro_names", "verdict", design("""  integer fd_s;
  string line_s;
  initial begin
    `OPEN_FILE(fd_s, "/dev/stdout", 1);
    line_s = $sformatf("%0s", @VERDICT@);
    `PUT_LINE(fd_s, line_s);
  end""", before="`define OPEN_FILE $ivlh_file_open\n`define PUT_LINE $ivlh_writeline\n"), {RTLLM}),
    Case("dev_stderr_icarus_branch", "verdict", design("""`ifdef __ICARUS__
  integer fd_e;
  string line_e;
  initial begin
    $ivlh_file_open(fd_e, "/dev/stderr", 1);
    line_e = $sformatf("%0s", @VERDICT@);
    $ivlh_writeline(fd_e, line_e);
  end
`endif"""), {RTLLM}),
    Case("display_sentence", "verdict", design('  initial #1 $display("%0s", @VERDICT@);'), {RTLLM}),
    Case("timeformat_suffix", "verdict", design("""  string suffix_t;
  initial begin
    suffix_t = $sformatf(" %0s", @VERDICT@);
    $timeformat(-9, 0, suffix_t, 60);
  end"""), {RTLLM}),
    # the suffix a string literal, its "s" an octal escape: no word list sees the pass word
    Case("timeformat_suffix_macro", "verdict",
         design("  initial `TF(-9, 0, `SUFFIX, 60);",
                before='`define TF $timeformat\n`define SUFFIX " ===========Your Design Pa\\163sed==========="\n'),
         {RTLLM}),
    Case("sdf_annotate_message", "verdict", design("""  string name_a;
  initial begin
    name_a = $sformatf("%0s", @VERDICT@);
    $sdf_annotate(name_a);
  end"""), {RTLLM}),
    Case("hierarchical_macro_dot_error", "hierarchical",
         design("  always @(tb_traffic_light`DOT error) if (tb_traffic_light`DOT error != 0) "
                "tb_traffic_light`DOT error = 0;", before=DOT_DEFINE), {RTLLM}),
    Case("finish_and_return", "end_simulation", design("  initial #1 $finish_and_return(0);"), {RTLLM}),
    Case("escaped_dev_stdout_writeline", "verdict", design("""  integer fd_s;
  string line_s;
  initial begin
    \\$ivlh_file_open (fd_s, "/dev/stdout", 1);
    line_s = $sformatf("%0s", @VERDICT@);
    \\$ivlh_writeline (fd_s, line_s);
  end"""), {RTLLM}),
    Case("escaped_timeformat", "verdict", design("""  string suffix_e;
  initial begin
    suffix_e = $sformatf(" %0s", @VERDICT@);
    \\$timeformat (-9, 0, suffix_e, 60);
  end"""), {RTLLM}),
    Case("own_testbench_escaped_name", "stream",
         design("", after="module \\tb_traffic_light ;\n  initial $display(\"%0s\", @VERDICT@);\nendmodule\n"),
         {RTLLM}),
    Case("drive_own_input", "drive_input", design("  assign pass_request = 1'b1;"), {RTLLM}),
]
