"""The code file VerilogEval's `sv-generate` writes from a model's answer, reproduced from its rules.

    text = official_answer(response, task="spec_to_rtl")
    text = official_answer(response, task="code_complete", interface=problem.interface_prefix)

spec-to-rtl: the lines between `[BEGIN]` and `[DONE]` (sim.extract.begin_done_block); an answer with no
`[BEGIN]` falls back to the code-complete line filter below and gets a note; one that opens `[BEGIN]` and never
closes it gives no code at all.

code-complete (and the fallback): when the answer holds two or more lines starting with three backticks, the
lines between the first two of them; otherwise every line up to the first `endmodule`, starting at the
`module TopModule` line if the answer has one (before any `endmodule`). For code-complete the interface is put
first unless the answer has its own `module TopModule` line. The script's notes (`// VERILOG-EVAL: ...`) are
kept, so the file is the one the official flow compiles, byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.extract import begin_done_block

NOTE = "// VERILOG-EVAL: "


@dataclass(frozen=True)
class _Shape:
    """What the script's first pass learns about the answer."""

    backticks: int
    has_module: bool  # a line starting `module TopModule` before any line starting `endmodule`


def _shape(lines: list[str]) -> _Shape:
    backticks, module, endmodule_first = 0, False, False
    for line in lines:
        if line.startswith("```"):
            backticks += 1
        elif line.startswith("endmodule"):
            endmodule_first = endmodule_first or not module
        elif line.startswith("module TopModule"):
            module = True
    return _Shape(backticks, module and not endmodule_first)


def _line_filter(lines: list[str], shape: _Shape) -> tuple[list[str], bool, bool]:
    """(kept lines, a module header was seen, an endmodule was seen): the script's second pass."""
    kept: list[str] = []
    fence_open = fence_closed = module = endmodule = False
    for line in lines:
        echo = True
        if line.strip().startswith("module TopModule"):
            module = True
        if shape.backticks >= 2:
            echo = fence_open and not fence_closed
        else:
            echo = not endmodule and not (shape.has_module and not module)
        if line.startswith("```"):
            fence_closed = fence_open
            fence_open = True
            echo = False
        elif line.strip().startswith("endmodule"):
            endmodule = True
        if echo:
            kept.append(line)
    return kept, module, endmodule


def _code_complete(lines: list[str], interface: str | None) -> str:
    shape = _shape(lines)
    out = "\n"
    if not shape.has_module and interface is not None:
        out += interface + "\n\n"
    kept, module, endmodule = _line_filter(lines, shape)
    out += "".join(line + "\n" for line in kept) + "\n"
    if shape.backticks == 1 or shape.backticks > 2:
        out += NOTE + "abnormal backticks count\n\n"
    if module:
        out += NOTE + "errant inclusion of module definition\n\n"
    if not endmodule:
        out += NOTE + "endmodule not found\n\n"
    return out + "\n"


def _spec_to_rtl(lines: list[str], response: str) -> str:
    out = "\n"
    block = begin_done_block(response)
    if block is not None:
        out += "".join(line + "\n" for line in block)
    elif not any(line.lstrip().startswith("[BEGIN]") for line in lines):  # no markers: the fallback
        kept, _, _ = _line_filter(lines, _shape(lines))
        out += "".join(line + "\n" for line in kept) + "\n"
        out += NOTE + "response did not use <CODE></CODE> correctly\n"
    return out + "\n"


def official_answer(response: str, task: str = "spec_to_rtl", interface: str | None = None) -> str:
    """The file sv-generate writes for `response` (a model's raw answer).

    interface: code-complete's `_ifc.txt` text; None leaves it out (the judge prepends it by the same rule).
    """
    from crux_program.fixed_prompts.verilog_eval import check_task

    lines = response.splitlines()
    if check_task(task) == "code_complete":
        return _code_complete(lines, interface)
    return _spec_to_rtl(lines, response)
