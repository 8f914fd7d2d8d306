"""Candidate code made silent, for pass rules that read the simulation's output text.

RTLLM's rule passes a run whose output holds "pass" anywhere. A candidate can print that text without a string
literal the screen could see (`$display(f, s)` with `f` and `s` built from numbers; Icarus takes an SV `string`
variable as a format), so under that rule the candidate must not print at all. Refusing every candidate that
prints would also fail right designs that carry a debug `$display`, which the official flow passes. Removing
the output calls instead keeps both: printing is simulation-only, so the hardware the testbench drives is
unchanged, and nothing the candidate says can reach the text the verdict is read from.

Each call (`$display(...)`, `$fwrite(fd, ...)`, `$monitor;`, ...) becomes `$fflush`, which prints nothing and is
a statement wherever the call was (Icarus refuses a bare `;` after `initial`); its arguments become spaces with
their newlines kept, so the compiler's line numbers still point at the model's text.
`$fatal` is not touched: it also ends the simulation, which `sim.screen` refuses outright.
"""
from __future__ import annotations

import re

from sim.screen import STRING_OR_COMMENT

# Every Icarus system task that writes to the output: the display family and its file forms (an fd may be
# stdout), $fputc, the SV severity tasks, $printtimescale (it prints a scope the candidate names), and the VCD
# tasks (vvp's VCD warnings quote signal names the candidate chooses).
OUTPUT_TASK = re.compile(r"\$(?:f?(?:display|write|strobe|monitor)[bho]?|fputc|error|warning|info|printtimescale"
                         r"|dump(?:file|vars|on|off|all|limit|flush|ports\w*))(?![\w$])")
NO_OP = "$fflush"  # flushes the simulator's files; prints nothing


def _blank(text: str) -> str:
    """`text` with every character but newlines replaced by a space."""
    return re.sub(r"[^\n]", " ", text)


def _call_end(bare: str, start: int) -> int:
    """Index just past the argument list that starts at or after `start` (after spaces); `start` if none.

    `bare` has strings and comments blanked, so parentheses inside them do not count."""
    i = start
    while i < len(bare) and bare[i].isspace():
        i += 1
    if i >= len(bare) or bare[i] != "(":
        return start
    depth = 0
    for j in range(i, len(bare)):
        if bare[j] == "(":
            depth += 1
        elif bare[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return start  # unbalanced: leave the arguments; the compiler reports the broken code as it would have


def silence_output(code: str) -> str:
    """`code` with every output task call replaced by `$fflush` (strings and comments elsewhere untouched)."""
    bare = STRING_OR_COMMENT.sub(lambda m: _blank(m.group(0)), code)
    parts: list[str] = []
    pos = 0
    for m in OUTPUT_TASK.finditer(bare):
        if m.start() < pos:
            continue  # inside a call already blanked (`$display($display)` does not compile anyway)
        end = _call_end(bare, m.end())
        parts.append(code[pos:m.start()])
        parts.append(NO_OP + _blank(code[m.end():end]))  # the name has no newline; the arguments may
        pos = end
    parts.append(code[pos:])
    return "".join(parts)
