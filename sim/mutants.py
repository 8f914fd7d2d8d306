"""Mutants of Verilog source: small plausible bugs for checking that judges agree and catch errors.

Operators (each applied at one random site outside comments and strings): swap a binary operator
(`&`/`|`, `^`/`&`, `+`/`-`, `==`/`!=`, `<`/`>`), flip a sized constant's value, swap `posedge`/`negedge`,
drop a `~`/`!`, swap two case-item labels' bodies' constants, turn a nonblocking assignment blocking,
rename one identifier use (undeclared name), delete one semicolon, drop one `end`.
The last three yield compile/syntax errors, the others mostly functional bugs (some are equivalent).
"""
from __future__ import annotations

import random
import re

_SKIP = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"', re.DOTALL)
_SWAPS = {"&": "|", "|": "&", "^": "&", "+": "-", "-": "+", "==": "!=", "!=": "==", "<": ">", ">": "<"}
# Binary operators only: not part of `&&`, `<=`, `<<`, `->`, `'`, etc.
_BINOP = re.compile(r"(?<=[\w)\]\s])(==|!=|(?<![&|<>=!~^+\-*/])[&|^+\-<>](?![&|<>=~^+\-*/]))(?=\s*[\w(~!{])")
_SIZED = re.compile(r"\b(\d+)'([bdh])([0-9a-fA-F_]+)\b")
_EDGE = re.compile(r"\b(posedge|negedge)\b")
_NOT = re.compile(r"[~!](?=[\w(])")
_NBA = re.compile(r"(?<=[\w\]\s])<=(?=\s*[\w{(~!'])")
_IDENT_USE = re.compile(r"(?<=[=(&|^+\-,\s])([a-z_][a-z0-9_]*)(?=\s*[;)&|^+\-,])")
_SEMI = re.compile(r";")
_END = re.compile(r"\bend\b")
_KEYWORDS = {"begin", "end", "else", "if", "case", "endcase", "default", "posedge", "negedge", "or", "and",
             "assign", "always", "reg", "wire", "logic", "input", "output", "module", "endmodule", "integer"}


def _sites(pattern: re.Pattern, code: str) -> list[re.Match]:
    masked = _SKIP.sub(lambda m: " " * len(m.group(0)), code)
    return list(pattern.finditer(masked))


def _flip_constant(m: re.Match) -> str:
    width, base, digits = m.group(1), m.group(2), m.group(3).replace("_", "")
    value = int(digits, {"b": 2, "d": 10, "h": 16}[base]) if digits else 0
    bits = max(1, int(width))
    value ^= 1 << (value.bit_length() % bits) if value else 1
    value &= (1 << bits) - 1
    text = format(value, {"b": "b", "d": "d", "h": "x"}[base])
    return f"{width}'{base}{text}"


def _apply(code: str, rng: random.Random, op: str) -> str | None:
    replace = {
        "binop": (_BINOP, lambda m: _SWAPS[m.group(1)]),
        "constant": (_SIZED, _flip_constant),
        "edge": (_EDGE, lambda m: "negedge" if m.group(1) == "posedge" else "posedge"),
        "not": (_NOT, lambda m: ""),
        "blocking": (_NBA, lambda m: "="),
        "rename": (_IDENT_USE, lambda m: None if m.group(1) in _KEYWORDS else m.group(1) + "_x"),
        "semicolon": (_SEMI, lambda m: ""),
        "end": (_END, lambda m: ""),
    }[op]
    pattern, make = replace
    sites = _sites(pattern, code)
    rng.shuffle(sites)
    for m in sites:
        new = make(re.match(pattern, code[m.start():]) or m)
        if new is not None and new != m.group(0):
            return code[: m.start()] + new + code[m.end():]
    return None


OPERATORS = ("binop", "constant", "edge", "not", "blocking", "rename", "semicolon", "end")
# Functional bugs are what judges must catch; syntax/compile breakers are rarer in real model output.
WEIGHTS = (5, 4, 2, 3, 2, 1, 1, 1)


def mutants(source: str, n: int, seed: int) -> list[str]:
    """Up to `n` distinct mutants of `source` (each differs from it), deterministic for a seed."""
    rng = random.Random(seed)
    out: list[str] = []
    seen = {source}
    for _ in range(n * 20):
        if len(out) >= n:
            break
        op = rng.choices(OPERATORS, WEIGHTS)[0]
        mutant = _apply(source, rng, op)
        if mutant is not None and mutant not in seen:
            seen.add(mutant)
            out.append(mutant)
    return out
