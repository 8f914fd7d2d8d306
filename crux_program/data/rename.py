"""Consistent renaming of a design's module and data ports: the curriculum's copy-from-the-spec augmentation.

Each family draws its names from a small pool (`acc8`, `total`, `x`...), so a small model trained on them can
lower its loss by recalling the family's usual names instead of reading them from the spec, and then fails
every test design whose spec names things differently. Renaming a share of the *training* designs to fresh
identifiers removes that shortcut: the only way to get those names right is to copy them from the prompt.

Renaming is bijective and touches only the module name and the data ports (clock and reset names carry the
reset polarity convention and keep their pools). Prose mentions identifiers in backticks, so only backticked
spans are rewritten there; the reference is rewritten token by token. The self-check still runs on the result
(a renamed reference shares its canonical form, so it costs no extra simulation, and the pyslang gate sees
every text).
"""
from __future__ import annotations

import random
import re
from dataclasses import replace
from functools import lru_cache

from crux_program.data.families.base import Design
from crux_program.data.verify import _KEYWORDS

_WORDS = ("data", "sig", "val", "ctl", "req", "src", "dst", "res", "bus", "pin", "line", "word", "flag", "lane",
          "tap", "port", "node", "unit", "core", "blk", "mod", "chan", "slot", "link", "ring", "path")
_SUFFIXES = ("", "", "_a", "_b", "_i", "_o", "_q", "_in", "_out", "_r", "_x", "_y", "_sel", "_val")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# Based literals first, so the `d0` of `2'd0` is never taken for an identifier (a port may be named `d0`).
_CODE_TOKEN = re.compile(r"(?:\d+)?'[sS]?[bBoOdDhH][0-9a-fA-F_xXzZ]+|[A-Za-z_][A-Za-z0-9_$]*")


@lru_cache(maxsize=None)
def is_free_identifier(name: str) -> bool:
    """True when `name` declares as a plain net in SystemVerilog (not one of its ~250 keywords: `cell`, `var`...)."""
    import pyslang

    if name in _KEYWORDS:
        return False
    tree = pyslang.syntax.SyntaxTree.fromText(f"module m; wire {name}; endmodule")
    return len(tree.diagnostics) == 0


def _fresh(rng: random.Random, taken: set[str], module: bool) -> str:
    """A new identifier: word + suffix or digits, or a short random word; never taken, never a keyword."""
    while True:
        roll = rng.random()
        if roll < 0.4:
            name = rng.choice(_WORDS) + rng.choice(_SUFFIXES)
        elif roll < 0.7:
            name = rng.choice(_WORDS) + str(rng.randint(0, 99))
        else:
            name = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(2, 6)))
        if module:
            name = f"{name}_{rng.choice(_WORDS)}"
        if name not in taken and is_free_identifier(name):
            taken.add(name)
            return name


def _rewrite_code(text: str, mapping: dict[str, str]) -> str:
    return _CODE_TOKEN.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def _rewrite_prose(text: str, mapping: dict[str, str]) -> str:
    return re.sub(r"`([^`]*)`", lambda m: "`" + _rewrite_code(m.group(1), mapping) + "`", text)


def rename_design(design: Design, rng: random.Random) -> Design:
    """The same design with a fresh module name and fresh data-port names, everywhere they occur."""
    taken = set(_IDENT.findall(design.verilog)) | {p.name for p in design.ports}
    mapping = {design.module: _fresh(rng, taken, module=True)}
    for port in design.ports:
        if port.kind == "data":
            mapping[port.name] = _fresh(rng, taken, module=False)
    prose = lambda items: tuple(_rewrite_prose(s, mapping) for s in items)  # noqa: E731
    return replace(
        design,
        module=mapping[design.module],
        ports=tuple(replace(p, name=mapping.get(p.name, p.name)) for p in design.ports),
        summary=_rewrite_prose(design.summary, mapping),
        behaviour=prose(design.behaviour),
        considerations=prose(design.considerations),
        verilog=_rewrite_code(design.verilog, mapping),
    )
