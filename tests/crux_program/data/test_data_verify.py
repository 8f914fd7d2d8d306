"""Reference self-check through sim/: one simulation per design up to renaming, every text gated alone."""
from __future__ import annotations

import random

from crux_program.data.families import FAMILIES
from crux_program.data.verify import SelfCheckConfig, canonical_form, self_check, timed_self_check

INV = "module inv(input a, output y);\n    assign y = ~a;\nendmodule\n"


def test_canonical_form_ignores_names_only():
    renamed = "module not_gate(input x, output y);\n    assign y = ~x;\nendmodule\n"
    assert canonical_form(INV) == canonical_form(renamed)
    assert canonical_form(INV) != canonical_form(INV.replace("~a", "a"))
    assert canonical_form(INV) == canonical_form("// comment\n" + INV)


def test_differential_self_check_keeps_good_and_drops_bad():
    designs = [FAMILIES[n].build(random.Random(f"v/{n}")) for n in
               ("alu", "fifo", "moore_detector", "mealy_detector", "clock_divider", "debouncer")]
    refs = [d.verilog for d in designs]
    keyword = INV.replace("output y", "output edge").replace("assign y", "assign edge")  # `edge` is reserved
    broken = INV.replace("~a;", "~a")
    renamed = INV.replace("inv", "inv2")
    verdicts, timing = timed_self_check(refs + [INV, renamed, keyword, broken], SelfCheckConfig(diff_cycles=60))
    assert [v.passed for v in verdicts] == [True] * 8 + [False, False], [v.feedback for v in verdicts]
    assert verdicts[-2].status == "syntax_error" and verdicts[-1].status == "syntax_error"
    assert timing.references == 10 and timing.simulated == 8  # INV and its renaming share one simulation


def test_compile_mode_uses_iverilog():
    ok, bad = self_check([INV, INV.replace("endmodule", "")], SelfCheckConfig(mode="compile"))
    assert ok.passed and not bad.passed and bad.status == "compile_error"
