"""The compile-only check: a jailed iverilog run with the configured build, for self-checks without simulation."""
from __future__ import annotations

from sim.compile_check import compile_check
from sim.config import SimConfig


def test_a_good_design_compiles_and_a_broken_one_says_why() -> None:
    assert compile_check("module inv(input a, output y); assign y = ~a; endmodule").ok
    broken = compile_check("module inv(input a; endmodule")
    assert not broken.ok and "syntax error" in broken.log


def test_host_files_are_out_of_reach() -> None:
    # an `include of a host file is a way to read it through the error log: in the jail it does not exist
    check = compile_check('`include "/etc/passwd"\nmodule m; endmodule')
    assert not check.ok and "root:" not in check.log


def test_the_wall_timeout_holds(tmp_path) -> None:
    # a preprocessor loop: a macro that expands itself forever (iverilog keeps going until killed or capped)
    text = "`define LOOP `LOOP `LOOP\nmodule m; wire w = `LOOP; endmodule"
    check = compile_check(text, SimConfig(timeout_s=2))
    assert not check.ok
