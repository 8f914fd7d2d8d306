"""Pull Verilog out of raw model output: fenced blocks, prose around them, a `## Code Implementation`
section, or bare code."""
from __future__ import annotations

import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_MODULE = re.compile(r"\b(module|macromodule)\b")
_ENDMODULE = re.compile(r"\bendmodule\b")
_HDL_TAGS = {"verilog", "systemverilog", "sv", "v", "vlog", ""}
_SECTION = re.compile(r"^#+\s*Code Implementation\s*$", re.IGNORECASE | re.MULTILINE)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


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
    for i, block in enumerate(blocks):
        names = set(_NAME.findall(block))
        later = set().union(*(set(_NAME.findall(b)) for b in blocks[i + 1:])) if i + 1 < len(blocks) else set()
        if not names & later:
            kept.append(block)
    return kept


def extract_code(text: str) -> str | None:
    """Return the Verilog in `text`, or None when it holds no complete module.

    Fenced blocks tagged verilog/systemverilog (or untagged) that contain a module are joined in order;
    otherwise a `## Code Implementation` section or the span from the first `module` to the last
    `endmodule` is used.

    >>> extract_code("Here:\\n```verilog\\nmodule a; endmodule\\n```\\nDone.")
    'module a; endmodule\\n'
    >>> extract_code("no code here") is None
    True
    """
    if not text or not text.strip():
        return None
    text = _THINK.sub("", text)  # reasoning traces often contain draft modules
    blocks = [body for tag, body in _FENCE.findall(text) if tag.lower() in _HDL_TAGS and _has_module(body)]
    if blocks:
        return "\n".join(b.strip() + "\n" for b in _drop_superseded(blocks))
    section = _SECTION.search(text)
    if section:
        found = _bare_modules(text[section.end():])
        if found:
            return found
    return _bare_modules(text)
