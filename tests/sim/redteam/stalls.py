"""Stalls: completions that attack the in-process parts of the judge (gate, screens, extraction)."""
from __future__ import annotations

from tests.sim.redteam.base import Target
from tests.sim.redteam.controls import fenced

# -- stalls: the in-process parts of the judge ------------------------------------------------------------------
STALLS = ("macro_bomb", "macro_bomb_arguments", "macro_bomb_icarus_branch", "recursive_macro", "backslash_run",
          "comment_openers", "think_tags", "huge_input", "deep_parentheses", "deep_begin", "deep_concatenation",
          "deep_ternary")


def stall_completion(name: str, target: Target) -> str:
    """The completion of stall case `name` for `target` (large texts are built here, not stored)."""
    head, wrong = target.header, target.wrong
    if name == "macro_bomb":
        defs = "`define B0 1\n" + "".join(f"`define B{i} (`B{i - 1}+`B{i - 1})\n" for i in range(1, 48))
        return fenced(defs + f"{head}\n{wrong}\n  wire [7:0] w = `B47;\nendmodule\n")
    if name == "macro_bomb_arguments":
        return fenced("`define D(x) (x+x)\n" + f"{head}\n{wrong}\n  wire [7:0] w = " + "`D(" * 48 + "1"
                      + ")" * 48 + ";\nendmodule\n")
    if name == "macro_bomb_icarus_branch":
        defs = "`define B0 1\n" + "".join(f"`define B{i} (`B{i - 1}+`B{i - 1})\n" for i in range(1, 48))
        return fenced(f"`ifdef __ICARUS__\n{defs}`endif\n{head}\n{wrong}\n`ifdef __ICARUS__\n"
                      "  wire [7:0] w = `B47;\n`endif\nendmodule\n")
    if name == "recursive_macro":
        return fenced(f"`define R (`R+1)\n{head}\n{wrong}\n  wire [7:0] w = `R;\nendmodule\n")
    if name == "backslash_run":
        return fenced(f"{head}\n{wrong}\n" + "\\" * 60_000 + "\nendmodule\n")
    if name == "comment_openers":
        return fenced(f"{head}\n{wrong}\nendmodule\n" + "/* " * 25_000)
    if name == "think_tags":
        return "<think>" * 40_000 + f"\n```verilog\n{head}\n{wrong}\nendmodule\n```\n"
    if name == "huge_input":
        body = "".join(f"  wire [7:0] w{i} = 8'd{i % 256};\n" for i in range(150_000))
        return fenced(f"{head}\n{wrong}\n{body}endmodule\n")
    if name == "deep_parentheses":
        return fenced(f"{head}\n{wrong}\n  wire [7:0] w = " + "(" * 30_000 + "8'd1" + ")" * 30_000
                      + ";\nendmodule\n")
    if name == "deep_begin":  # nesting a parser must refuse, not crash on (within the size cap)
        return fenced(f"{head}\n{wrong}\n  initial " + "begin " * 18_000 + "end " * 18_000 + "\nendmodule\n")
    if name == "deep_concatenation":
        return fenced(f"{head}\n{wrong}\n  wire [7:0] w = " + "{" * 60_000 + "8'd1" + "}" * 60_000
                      + ";\nendmodule\n")
    if name == "deep_ternary":
        return fenced(f"{head}\n{wrong}\n  wire [7:0] w = " + "w ? " * 15_000 + "8'd1" + " : 8'd0" * 15_000
                      + ";\nendmodule\n")
    if name == "include_environment":  # the preprocessor's environment pulled into the candidate's own text,
        # where its first variable parses as an expression (messages quoting a dotted name quote its value)
        return fenced(f"{head}\n{wrong}\n  wire [7:0] w = (\n`include \"/proc/self/environ\"\n  );\nendmodule\n")
    raise KeyError(name)
