"""sim.silence: output calls blanked, everything else (and every line number) kept."""
from __future__ import annotations

import pytest

from sim.silence import silence_output


@pytest.mark.parametrize("call", ['$display("a(b); c", x, (y + 1))', "$displayh(q)", "$fwrite(fd, \"%d\", q)",
                                  "$strobe", "$monitor ( a , b )", "$error(\"bad\")", "$fputc(65, 32'h8000_0001)",
                                  "$printtimescale(u0)", "$fdisplayb(1, q)",
                                  '$dumpfile("w.vcd")', "$dumpvars(0, m[0])"])
def test_an_output_call_becomes_a_statement_that_prints_nothing(call):
    code = f"always @(posedge clk) begin\n  q <= d; {call};\nend\n"
    out = silence_output(code)
    assert out.replace(" ", "") == "always@(posedgeclk)begin\nq<=d;$fflush;\nend\n", out
    assert out.count("\n") == code.count("\n")


def test_a_call_over_several_lines_keeps_its_newlines():
    code = 'initial $display("x=%d",\n   x); // done\nassign y = a;\n'
    out = silence_output(code)
    assert out.splitlines()[2] == "assign y = a;" and "// done" in out and "$display" not in out
    assert out.startswith("initial $fflush")


def test_strings_comments_and_other_system_calls_are_left_alone():
    code = ('// $display("in a comment")\n/* $write(x) */\nparameter S = "$display(1)";\n'
            "initial s = $sformatf(\"%d\", a);\ninitial $finish;\nreg [7:0] display_q;\n")
    assert silence_output(code) == code
