"""Interface degradation (the paper's RealSpec levels) as a plain text transform.

- Easy: the spec as written, with its full interface list.
- Special: a partial interface: port names without widths, or clock/reset ports left implicit.
- Normal: no interface list at all; ports must be inferred from the prose.

It works on any spec whose ports are listed one per line, in either common form:
`- input [7:0] a: ...` / `input wire [7:0] a,` (direction first) or `- a (input, 8 bits): ...` (name first),
optionally under a short header line such as `Interface:` or `Ports:`.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

_BULLET = r"^\s*(?:[-*\u2022]|\d+[.)])?\s*"
_DIR_FIRST = re.compile(_BULLET + r"`?(input|output|inout)\b(?:\s+(?:wire|reg|logic|signed))*\s*(\[[^\]]*\])?\s*`?"
                        r"([A-Za-z_][A-Za-z0-9_]*)`?(\s*(?:[,;:(\u2013-].*)?)$", re.IGNORECASE)
_NAME_FIRST = re.compile(_BULLET + r"`?([A-Za-z_][A-Za-z0-9_]*)`?\s*[(:,\-\u2013]\s*.*?\b(input|output|inout)\b.*$",
                         re.IGNORECASE)
_HEADER = re.compile(r"^\s*(?:#+\s*)?\**\s*[A-Za-z /&-]{0,40}:\s*\**\s*$")
_BITS = r"\d+\s*-?\s*bits?\b(?:\s+wide)?"
_WIDTH_PATTERNS = (  # most specific first: a whole "(8 bits)", then ", 8 bits", then a bare "8-bit "
    re.compile(r"\s*\[[^\]]*\]"),
    re.compile(r"\s*\(\s*" + _BITS + r"\s*\)", re.IGNORECASE),
    re.compile(r",\s*" + _BITS, re.IGNORECASE),
    re.compile(r"\b" + _BITS + r"\s*", re.IGNORECASE),
)
CLOCK_RESET = re.compile(r"^(?:a?rst|a?reset|clk|clock)(?:_n|_b|n)?$|^\w+_(?:clk|clock|rst|reset)(?:_n)?$"
                         r"|^(?:clk|clock|rst|reset)_(?!en$)\w+$", re.IGNORECASE)  # clk_en is an enable, not a clock


@dataclass(frozen=True)
class PortLine:
    """One listed port: where it is and what it says."""

    index: int  # line number in the spec
    name: str
    direction: str


@dataclass(frozen=True)
class InterfaceBlock:
    """The listed ports of a spec and the header line above them (None when the list has none)."""

    header: int | None
    ports: tuple[PortLine, ...]

    @property
    def lines(self) -> set[int]:
        return {p.index for p in self.ports} | ({self.header} if self.header is not None else set())


def parse_port_line(line: str) -> tuple[str, str] | None:
    """(name, direction) when `line` lists one port, else None."""
    m = _DIR_FIRST.match(line)
    if m and m.group(3).lower() not in ("wire", "reg", "logic"):
        return m.group(3), m.group(1).lower()
    m = _NAME_FIRST.match(line)
    if m and m.group(1).lower() not in ("input", "output", "inout", "the", "a", "an"):
        return m.group(1), m.group(2).lower()
    return None


def find_interface(spec: str) -> InterfaceBlock | None:
    """The longest run of port lines (blank lines allowed inside) and its short header, or None."""
    lines = spec.split("\n")
    best: list[PortLine] = []
    run: list[PortLine] = []
    for i, line in enumerate(lines):
        parsed = parse_port_line(line)
        if parsed:
            run.append(PortLine(i, *parsed))
        elif line.strip() and run:
            best, run = max(best, run, key=len), []
    best = max(best, run, key=len)
    if len(best) < 2:  # a single matching line is more likely prose than an interface list
        return None
    above = best[0].index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    header = above if above >= 0 and _HEADER.match(lines[above]) else None
    return InterfaceBlock(header, tuple(best))


def detect_level(spec: str) -> str:
    """"easy" when the spec lists its ports, else "normal" (what a user spec is before degradation)."""
    return "easy" if find_interface(spec) else "normal"


def strip_widths(line: str) -> str:
    """Remove width facts (`[7:0]`, `8-bit`, `(8 bits)`) from one port line."""
    for pattern in _WIDTH_PATTERNS:
        line = pattern.sub("", line)
    return re.sub(r"\(\s*\)", "", line).rstrip()


def _tidy(lines: list[str]) -> str:
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def degrade_spec(spec: str, level: str, rng: random.Random | None = None, special_mode: str | None = None) -> str:
    """The spec at `level` ("easy" | "special" | "normal").

    special_mode: "no_widths" or "implicit" (clock/reset lines dropped); None picks one with `rng`
    ("implicit" only when the list has clock or reset ports). A spec without a port list is returned
    unchanged: it already is at the Normal level (check with `detect_level`).
    """
    if level not in ("easy", "special", "normal"):
        raise ValueError(f"level={level!r}: choose 'easy', 'special' or 'normal'")
    block = find_interface(spec)
    if level == "easy" or block is None:
        return spec
    lines = spec.split("\n")
    if level == "normal":
        return _tidy([ln for i, ln in enumerate(lines) if i not in block.lines])
    implicit = [p.index for p in block.ports if CLOCK_RESET.match(p.name)]
    mode = special_mode or ("implicit" if implicit and (rng or random.Random(0)).random() < 0.5 else "no_widths")
    if mode == "implicit" and implicit and len(implicit) < len(block.ports):
        return _tidy([ln for i, ln in enumerate(lines) if i not in implicit])
    port_idx = {p.index for p in block.ports}
    return _tidy([strip_widths(ln) if i in port_idx else ln for i, ln in enumerate(lines)])
