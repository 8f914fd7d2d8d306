"""A small built-in Verilog + English corpus, generated in code, for training a tiny tokenizer.

`lm=tiny` needs a tokenizer before any curriculum exists. These texts cover what the program's prompts and
answers contain (English specs, CRUX markdown sections, DSPy field markers, Verilog modules) so the BPE learns
useful merges. Nothing is downloaded and no benchmark text is copied: every module is written from templates
here. A later stage passes the synthetic curriculum's texts to `build_tiny_model` instead.
"""

from __future__ import annotations

import random

_NAMES = ["counter", "mux", "adder", "shift_reg", "detector", "fsm", "register", "decoder", "encoder", "alu"]
_WIDTHS = [1, 2, 4, 8, 16, 32]

_SPECS = [
    "Implement a {w}-bit {name} with a synchronous active-high reset.",
    "Build a module named {name} that takes a {w}-bit input and produces a {w}-bit output.",
    "The module should update its output on the rising edge of clk. When reset is high, clear the state to zero.",
    "Design a combinational circuit that selects one of the inputs based on the select signal.",
    "Create a finite state machine that detects the input sequence and asserts the output for one cycle.",
    "The output should be registered. Assume all sequential elements are triggered on the positive edge.",
]

_CRUX = """## Module Interface
- module: {name}
- parameter WIDTH = {w}
- input clk (1): clock
- input reset (1): synchronous active-high reset
- input [{hi}:0] in_data ({w}): data input
- output [{hi}:0] out_data ({w}): data output

## Core Functions
- On each rising edge of clk, out_data takes the next value.
- When reset is high, out_data is cleared to zero.

## Key Considerations
- Reset is synchronous and has priority over the data path.
- The width is {w} bits; overflow wraps around.
"""

_FIELDS = [
    "[[ ## spec ## ]]", "[[ ## crux ## ]]", "[[ ## verilog ## ]]", "[[ ## reasoning ## ]]",
    "[[ ## completed ## ]]", "Your input fields are:", "Your output fields are:",
    "All interactions will be structured in the following way, with the appropriate values filled in.",
]


def _sequential_module(name: str, w: int, op: str) -> str:
    hi = w - 1
    return (
        f"module {name} (\n    input clk,\n    input reset,\n    input [{hi}:0] in_data,\n"
        f"    output reg [{hi}:0] out_data\n);\n"
        f"    always @(posedge clk) begin\n        if (reset)\n            out_data <= {w}'d0;\n"
        f"        else\n            out_data <= {op};\n    end\nendmodule\n"
    )


def _combinational_module(name: str, w: int, op: str) -> str:
    hi = w - 1
    return (
        f"module {name} (\n    input [{hi}:0] a,\n    input [{hi}:0] b,\n    input sel,\n"
        f"    output [{hi}:0] y\n);\n    assign y = {op};\nendmodule\n"
    )


def _case_module(name: str, w: int) -> str:
    hi = w - 1
    return (
        f"module {name} (\n    input [1:0] sel,\n    input [{hi}:0] a, b, c, d,\n    output reg [{hi}:0] y\n);\n"
        "    always @(*) begin\n        case (sel)\n            2'b00: y = a;\n            2'b01: y = b;\n"
        "            2'b10: y = c;\n            default: y = d;\n        endcase\n    end\nendmodule\n"
    )


def default_texts(count: int = 200, seed: int = 0) -> list[str]:
    """`count` short documents (spec, CRUX, Verilog, DSPy field markers), deterministic for a given seed."""
    rng = random.Random(seed)
    sequential_ops = ["out_data + 1'b1", "in_data", "{out_data[{hi2}:0], in_data[0]}", "out_data ^ in_data"]
    combinational_ops = ["sel ? b : a", "a + b", "a & b", "a | b", "a ^ b", "~a"]
    texts: list[str] = []
    for _ in range(count):
        name = rng.choice(_NAMES) + rng.choice(["", "_top", "_unit", "_v2"])
        w = rng.choice(_WIDTHS)
        spec = " ".join(rng.sample(_SPECS, 3)).format(w=w, name=name)
        crux = _CRUX.format(name=name, w=w, hi=w - 1)
        kind = rng.random()
        if kind < 0.4:
            op = rng.choice(sequential_ops).replace("{hi2}", str(max(w - 2, 0)))
            verilog = _sequential_module(name, w, op)
        elif kind < 0.8:
            verilog = _combinational_module(name, w, rng.choice(combinational_ops))
        else:
            verilog = _case_module(name, w)
        fence = "```verilog\n" + verilog + "```"
        texts.append("\n\n".join([rng.choice(_FIELDS), spec, _FIELDS[1], crux, _FIELDS[2], fence, _FIELDS[4]]))
    return texts
