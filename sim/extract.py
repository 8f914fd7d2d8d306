"""Pull Verilog out of raw model output: fenced blocks, prose around them, a `## Code Implementation`
section, or bare code."""
from __future__ import annotations

import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_MODULE = re.compile(r"\b(module|macromodule)\b")
_ENDMODULE = re.compile(r"\bendmodule\b")
_HDL_TAGS = {"verilog", "systemverilog", "sv", "v", "vlog", ""}
_SECTION = re.compile(r"^#+\s*Code Implementation\s*$", re.IGNORECASE | re.MULTILINE)


def _drop_thinking(text: str) -> str:
    """`text` without its `<think>...</think>` spans (as `re.sub(r"<think>.*?</think>", "", text, flags=re.S)`
    would, in linear time: that pattern rescans to the end from every unclosed `<think>`)."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<think>", pos)
        end = text.find("</think>", start + 7) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        pos = end + len("</think>")


def _has_module(text: str) -> bool:
    return bool(_MODULE.search(text)) and bool(_ENDMODULE.search(text))


def _bare_modules(text: str) -> str | None:
    """Span from the first `module` to the last `endmodule` (prose before/after dropped)."""
    starts = [m.start() for m in re.finditer(r"^[ \t]*(?:`timescale[^\n]*\n\s*)?(?:module|macromodule)\b",
                                             text, re.MULTILINE)]
    ends = list(_ENDMODULE.finditer(text))
    if not starts or not ends:
        return None
    start, end = starts[0], ends[-1].end()
    if end <= start:
        return None
    return text[start:end].strip() + "\n"


_NAME = re.compile(r"\b(?:module|macromodule)\s+([A-Za-z_][A-Za-z0-9_$]*)")


def _drop_superseded(blocks: list[str]) -> list[str]:
    """Keep only the last block defining a module name: answers often show a draft, then a fix."""
    kept: list[str] = []
    later: set[str] = set()  # names defined by the blocks after the current one (walking backwards: linear)
    for block in reversed(blocks):
        names = set(_NAME.findall(block))
        if not names & later:
            kept.append(block)
        later |= names
    return kept[::-1]


def begin_done_block(text: str) -> list[str] | None:
    """The lines between `[BEGIN]` and `[DONE]`, read as VerilogEval's sv-generate reads them; None if unclosed.

    VerilogEval's prompts ask for "[BEGIN] ... [DONE]". The block opens at the first line that starts (after
    indentation) with `[BEGIN]`, whatever follows the marker on that line being code; it closes at the first
    later line that is `[DONE]` or ends with it, the text before the marker being code. Both markers are
    removed wherever they occur on those two lines. An opened block that never closes gives None (the official
    flow then writes no code at all); so does a text without `[BEGIN]`.

    >>> begin_done_block("Sure.\\n[BEGIN]\\nmodule a; endmodule\\n[DONE]\\nBye")
    ['module a; endmodule']
    """
    lines: list[str] = []
    opened = False
    for line in text.splitlines():
        if not opened:
            if line.strip() == "[BEGIN]":
                opened = True
            elif line.lstrip().startswith("[BEGIN]"):
                lines.append(line.lstrip().replace("[BEGIN]", ""))
                opened = True
        elif line.strip() == "[DONE]":
            return lines
        elif line.rstrip().endswith("[DONE]"):
            lines.append(line.rstrip().replace("[DONE]", ""))
            return lines
        else:
            lines.append(line)
    return None


def extract_code(text: str) -> str | None:
    """Return the Verilog in `text`, or None when it holds no complete module.

    A `[BEGIN]` ... `[DONE]` block (VerilogEval's answer markers, `begin_done_block`) that holds a module is
    read first, with the rules below applied inside it. Fenced blocks tagged verilog/systemverilog (or
    untagged) that contain a module are joined in order; otherwise a `## Code Implementation` section or the
    span from the first `module` to the last `endmodule` is used.

    >>> extract_code("Here:\\n```verilog\\nmodule a; endmodule\\n```\\nDone.")
    'module a; endmodule\\n'
    >>> extract_code("[BEGIN]\\nmodule a; endmodule\\n[DONE]")
    'module a; endmodule\\n'
    >>> extract_code("no code here") is None
    True
    """
    if not text or not text.strip():
        return None
    text = _drop_thinking(text)  # reasoning traces often contain draft modules
    marked = begin_done_block(text)
    if marked is not None:
        inside = _extract_plain("\n".join(marked) + "\n")
        if inside is not None:
            return inside
    return _extract_plain(text)


def _extract_plain(text: str) -> str | None:
    """extract_code's rules without the `[BEGIN]`/`[DONE]` step."""
    blocks = [body for tag, body in _FENCE.findall(text) if tag.lower() in _HDL_TAGS and _has_module(body)]
    if blocks:
        return "\n".join(b.strip() + "\n" for b in _drop_superseded(blocks))
    section = _SECTION.search(text)
    if section:
        found = _bare_modules(text[section.end():])
        if found:
            return found
    return _bare_modules(text)


def extract_body(text: str) -> str | None:
    """A module body without its header (VerilogEval code-complete answers): the `[BEGIN]`/`[DONE]` block, else
    the last fenced HDL block, else the text itself; None unless it ends a module (`endmodule`)."""
    if not text or not text.strip():
        return None
    text = _drop_thinking(text)
    marked = begin_done_block(text)
    if marked is not None:
        body = "\n".join(marked) + "\n"
    else:
        blocks = [b for tag, b in _FENCE.findall(text) if tag.lower() in _HDL_TAGS and _ENDMODULE.search(b)]
        body = blocks[-1] if blocks else text
    return body.strip() + "\n" if _ENDMODULE.search(body) else None
