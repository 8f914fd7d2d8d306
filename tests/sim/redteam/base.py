"""The targets, the case type and `materialise`, which fills a case's template in for one target."""
from __future__ import annotations

from dataclasses import dataclass

from sim.result import Status

VERILOG_EVAL, RTLLM, DIFFERENTIAL = "verilog_eval", "rtllm", "differential"
ALL_MODES = frozenset({VERILOG_EVAL, RTLLM, DIFFERENTIAL})
CLOCKED = frozenset({VERILOG_EVAL, DIFFERENTIAL})  # the dff8 targets: `clk`, `d`, `q`
TESTBENCHES = frozenset({VERILOG_EVAL, RTLLM})

# Any verdict but a pass says why (refused, the design judged on its merits, a build error); a timeout only
# where the attack is about time or volume.
NON_PASS = frozenset({Status.RUNTIME_ERROR, Status.MISMATCH, Status.COMPILE_ERROR, Status.SYNTAX_ERROR})
NON_PASS_OR_TIMEOUT = NON_PASS | {Status.TIMEOUT}

# What a run may never print: the first line of the host's /etc/group.
SECRET_MARK = "root:x:0:"


def text_bits(text: str) -> str:
    """`text` as a sized hex number (`$display("%0s", N)` prints it): a string no word screen can read."""
    return f"{8 * len(text)}'h{text.encode().hex()}"


@dataclass(frozen=True)
class Target:
    """One problem the corpus attacks: how a candidate for it starts, and how its trusted side says `pass`."""

    mode: str
    task_id: str
    header: str
    wrong: str
    verdict: str  # the trusted side's pass text (empty: differential mode's verdict is not text)


TARGETS = {
    VERILOG_EVAL: Target(VERILOG_EVAL, "Prob034_dff8",
                         "module TopModule(input clk, input [7:0] d, output reg [7:0] q);",
                         "  initial q = 8'd0;\n  always @(posedge clk) q <= 8'd0;",
                         "Mismatches: 0 in 20 samples"),
    RTLLM: Target(RTLLM, "traffic_light",
                  "module traffic_light(input rst_n, input clk, input pass_request, output wire [7:0] clock,\n"
                  "                     output reg red, output reg yellow, output reg green);",
                  "  assign clock = 8'd0;\n  initial begin red = 1'b0; yellow = 1'b0; green = 1'b0; end",
                  "===========Your Design Passed==========="),
    DIFFERENTIAL: Target(DIFFERENTIAL, "Prob034_dff8",
                         "module TopModule(input clk, input [7:0] d, output reg [7:0] q);",
                         "  initial q = 8'd0;\n  always @(posedge clk) q <= 8'd0;", ""),
}


@dataclass(frozen=True)
class Case:
    """One attack in one spelling: its template, the modes it targets, the verdicts that correctly refuse it."""

    name: str
    mechanism: str
    template: str
    modes: frozenset[str]
    allowed: frozenset[Status] = NON_PASS

    def __post_init__(self) -> None:
        object.__setattr__(self, "modes", frozenset(self.modes))  # the corpus writes plain sets

    @property
    def grouped(self) -> bool:
        """Is it also judged inside a differential group (all but the escapes, which touch no sibling)?"""
        return self.mechanism != "escape"


def design(body: str, before: str = "", after: str = "") -> str:
    """A wrong design with `body` inside its module, `before` and `after` it at file level."""
    return f"{before}@HEADER@\n@WRONG@\n{body}\nendmodule\n{after}"


@dataclass(frozen=True)
class Paths:
    """Where attacks try to write, for one run of the suite."""

    token: str
    outside: str  # canary folder outside /tmp (it holds harness.py)

    def tmp(self, case: str) -> str:
        return f"/tmp/redteam_{self.token}_{case}"

    @property
    def harness(self) -> str:
        return f"{self.outside}/harness.py"


def materialise(case: Case, target: Target, paths: Paths) -> str:
    """The completion a model would send: the case filled in for `target`, in a verilog fence."""
    tmp = paths.tmp(case.name)
    values = {
        "@HEADER@": target.header, "@WRONG@": target.wrong, "@TMP@": tmp, "@TMPBITS@": text_bits(tmp),
        "@CLIMB@": "../" * 24 + tmp[1:],
        "@HARNESS@": paths.harness, "@OUTSIDE@": paths.outside, "@CASE@": case.name,
        "@VERDICT@": text_bits(target.verdict or "pass"), "@MISMATCHES@": text_bits("mismatches"),
    }
    code = case.template
    for key, value in values.items():
        code = code.replace(key, value)
    return f"```verilog\n{code}\n```\n"
