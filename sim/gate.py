"""The pyslang syntax gate: reject code that certainly fails to parse before any simulator runs.

pyslang is stricter than Icarus in places (it elaborates to the letter of IEEE 1800), so the gate must
never turn a verdict the official flow would give. It only acts on *pure parse errors* of the candidate
alone: lexer/parser diagnostics of the syntax tree, and only when the preprocessor raised nothing (an
unknown macro might be defined by a file compiled with it). Semantic/elaboration diagnostics are ignored.
Agreement with Icarus is tested on every VerilogEval reference and on mutants (tests/sim/test_gate.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import pyslang

# Diagnostics that can come from the parser, as opposed to elaboration.
_PARSE_SUBSYSTEMS = {pyslang.DiagSubsystem.Lexer, pyslang.DiagSubsystem.Parser, pyslang.DiagSubsystem.General}
# Parse diagnostics that Icarus accepts (or reports only later as a compile error): never gate on them.
_TOLERATED = {"NonstandardEscapeCode", "UnknownEscapeCode", "EmptyStatement", "ImplicitNamedPortTypeMismatch"}


@dataclass(frozen=True)
class GateVerdict:
    """ok, or the first parse error as `line:col: message`."""

    ok: bool
    message: str = ""


def syntax_gate(code: str, tree: pyslang.syntax.SyntaxTree | None = None) -> GateVerdict:
    """Parse `code` alone with pyslang (or use its `tree`, parsed already); fail only on certain parse errors."""
    tree = tree if tree is not None else pyslang.syntax.SyntaxTree.fromText(code)
    errors = []
    for diag in tree.diagnostics:
        if not diag.isError():
            continue
        subsystem = diag.code.getSubsystem()
        if subsystem == pyslang.DiagSubsystem.Preprocessor:
            return GateVerdict(True)  # macros/includes: let the simulator decide
        if subsystem in _PARSE_SUBSYSTEMS and str(diag.code).removeprefix("DiagCode(").rstrip(")") not in _TOLERATED:
            errors.append(diag)
    if not errors:
        return GateVerdict(True)
    report = pyslang.DiagnosticEngine.reportAll(tree.sourceManager, errors[:1])
    first = next((ln for ln in report.splitlines() if "error" in ln), report.strip().splitlines()[0])
    return GateVerdict(False, first.replace("source:", "", 1).strip())
