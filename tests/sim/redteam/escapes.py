"""Escapes: cases that read or write host files outside the run folder."""
from __future__ import annotations

from tests.sim.redteam.base import ALL_MODES, CLOCKED, Case, NON_PASS_OR_TIMEOUT, TESTBENCHES, VERILOG_EVAL, design

# -- escape: reading and writing host files ----------------------------------------------------------------
ESCAPES = [
    Case("textio_read_group", "escape", design("""  integer fd_r, fd_w;
  string line_r;
  initial begin
    $ivlh_file_open(fd_r, "/etc/group", 0);
    $ivlh_readline(fd_r, line_r);
    $display("%s", line_r);
    $ivlh_file_open(fd_w, "@TMP@", 1);
    $ivlh_writeline(fd_w, line_r);
    $fclose(fd_w);
  end"""), ALL_MODES),
    Case("textio_append_harness", "escape", design("""  integer fd_h;
  string line_h;
  initial begin
    $ivlh_file_open(fd_h, "@HARNESS@", 2);
    line_h = "owned by @CASE@";
    $ivlh_writeline(fd_h, line_h);
    $fclose(fd_h);
  end"""), ALL_MODES),
    Case("textio_macro_names", "escape", design("""  integer fd_m;
  string line_m;
  initial begin
    `OPEN_FILE(fd_m, "@TMP@", 1);
    line_m = "owned";
    `PUT_LINE(fd_m, line_m);
  end""", before="`define OPEN_FILE $ivlh_file_open\n`define PUT_LINE $ivlh_writeline\n"), TESTBENCHES),
    Case("textio_ifdef_fdisplay", "escape", design("""`ifdef __ICARUS__
  integer fd_i;
  initial begin
    $ivlh_file_open(fd_i, "@TMP@", 1);
    $fdisplay(fd_i, "owned");
    $fwrite(fd_i, "owned again\\n");
    $fclose(fd_i);
  end
`endif"""), ALL_MODES),
    Case("textio_path_from_numbers", "escape", design("""  integer fd_n;
  string path_n;
  initial begin
    path_n = $sformatf("%0s", @TMPBITS@);
    $ivlh_file_open(fd_n, path_n, 1);
    $fwrite(fd_n, "owned\\n");
    $fclose(fd_n);
  end"""), {VERILOG_EVAL}),
    Case("textio_many_files", "escape", design("""  integer fd_k, k_k;
  string name_k;
  initial begin
    for (k_k = 0; k_k < 300; k_k = k_k + 1) begin
      name_k = $sformatf("@OUTSIDE@/@CASE@_%0d.txt", k_k);
      $ivlh_file_open(fd_k, name_k, 1);
      $fclose(fd_k);
    end
    for (k_k = 0; k_k < 3000; k_k = k_k + 1) begin
      name_k = $sformatf("here_%0d.txt", k_k);
      $ivlh_file_open(fd_k, name_k, 1);
      $fclose(fd_k);
    end
  end"""), CLOCKED, NON_PASS_OR_TIMEOUT),
    Case("escaped_fopen", "escape", design("""  integer fd_x;
  initial begin
    fd_x = \\$fopen ("@TMP@", "w");
    \\$fdisplay (fd_x, "owned");
    \\$fclose (fd_x);
  end"""), ALL_MODES),
    Case("escaped_textio_read_group", "escape", design("""  integer fd_y, c_y;
  initial begin
    fd_y = \\$fopen ("/etc/group", "r");
    c_y = \\$fgetc (fd_y);
    while (c_y != -1) begin
      $write("%c", c_y[7:0]);
      c_y = \\$fgetc (fd_y);
    end
  end"""), CLOCKED),
    Case("fopen_absolute", "escape", design("""  integer fd_o;
  initial begin
    fd_o = $fopen("@TMP@", "w");
    $fdisplay(fd_o, "owned");
    $fclose(fd_o);
  end"""), TESTBENCHES),
    Case("dumpfile_absolute", "escape", design('  initial begin $dumpfile("@TMP@.vcd"); $dumpvars; end'), TESTBENCHES),
    Case("dumpfile_macro_path", "escape",
         design("  initial begin $dumpfile(`WAVE); $dumpvars; end", before='`define WAVE "@TMP@"\n'), {VERILOG_EVAL}),
    Case("dumpfile_climb", "escape", design('  initial begin $dumpfile("@CLIMB@"); $dumpvars; end'), CLOCKED),
    Case("sdf_annotate_read", "escape", design('  initial $sdf_annotate("/etc/group");'), {VERILOG_EVAL}),
    Case("include_host_file", "escape", design("", before='`include "/etc/group"\n'), CLOCKED),
    Case("include_macro_path", "escape", design("", before='`define GROUP "/etc/group"\n`include `GROUP\n'),
         {VERILOG_EVAL}),
    Case("system_shell", "escape", design('  initial $system("touch @TMP@");'), {VERILOG_EVAL}),
]
