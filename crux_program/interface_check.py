"""Check a CRUX's Module Interface against the real interface of a Verilog module (pyslang).

Widths in a CRUX are expressions ("8", "WIDTH", "2*N", "$clog2(DEPTH)", "[7:0]", "[WIDTH-1:0]"): they are
evaluated with the CRUX's own parameter defaults, and compared with the widths pyslang elaborates from
the code's defaults. A width that cannot be evaluated is reported as unresolved, not as wrong.
"""
from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crux_program.crux import Crux
from sim.interface import VerilogParseError, module_io, module_names

if TYPE_CHECKING:
    from sim.problem import Problem

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
           ast.Mod: operator.mod, ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.RShift: operator.rshift}
_LITERAL = re.compile(r"(\d*)\s*'\s*[sS]?([bBoOdDhH])\s*([0-9a-fA-F_xXzZ]+)")
_BASES = {"b": 2, "o": 8, "d": 10, "h": 16}


@dataclass(frozen=True)
class PortMismatch:
    """A port present on both sides whose width or direction differs."""

    name: str
    expected: str
    found: str


@dataclass(frozen=True)
class InterfaceReport:
    """How a Verilog module's interface agrees with a CRUX.

    score: agreeing checks / all checks (module name, and per CRUX port: present, direction, width;
    each extra port in the code adds one failed check); 0 when the code does not parse.
    """

    expected_module: str
    found_module: str | None
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    wrong_width: list[PortMismatch] = field(default_factory=list)
    wrong_direction: list[PortMismatch] = field(default_factory=list)
    unresolved_widths: list[str] = field(default_factory=list)
    parse_error: str | None = None
    score: float = 0.0

    @property
    def ok(self) -> bool:
        """Everything that could be checked agrees."""
        return (self.parse_error is None and self.found_module == self.expected_module and not self.missing
                and not self.extra and not self.wrong_width and not self.wrong_direction)

    def summary(self) -> str:
        """One line a person (or a repair prompt) can act on."""
        if self.parse_error:
            return f"code does not parse: {self.parse_error}"
        parts = [] if self.found_module == self.expected_module else [
            f"module is named {self.found_module!r}, expected {self.expected_module!r}"]
        parts += [f"missing ports: {', '.join(self.missing)}"] if self.missing else []
        parts += [f"extra ports: {', '.join(self.extra)}"] if self.extra else []
        parts += [f"{m.name} has width {m.found}, expected {m.expected}" for m in self.wrong_width]
        parts += [f"{m.name} is {m.found}, expected {m.expected}" for m in self.wrong_direction]
        return "; ".join(parts) or "interface matches the CRUX"


def _literal(match: re.Match) -> str:
    digits = match.group(3).replace("_", "")
    return str(int(digits, _BASES[match.group(2).lower()]))


def _evaluate(node: ast.AST, names: dict[str, int]) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        if isinstance(node.op, (ast.Pow, ast.LShift)) and right > 1024:
            raise ValueError("exponent too large for a width")  # 2**N with a huge N would hang
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "clog2" and len(node.args) == 1:
        value = _evaluate(node.args[0], names)
        return 0 if value <= 1 else math.ceil(math.log2(value))
    raise ValueError(f"cannot evaluate {ast.dump(node)}")


def evaluate_expression(expr: str, names: dict[str, int]) -> int:
    """Integer value of a Verilog constant expression over known parameter values (ValueError if not)."""
    text = _LITERAL.sub(_literal, expr.strip()).replace("$clog2", "clog2").replace("/", "//").replace("////", "//")
    try:
        return int(_evaluate(ast.parse(text, mode="eval").body, names))
    except (SyntaxError, ZeroDivisionError, OverflowError, RecursionError) as err:
        raise ValueError(f"cannot evaluate {expr!r}: {err}") from err


def evaluate_width(width: str, names: dict[str, int]) -> int:
    """Bits of a CRUX width: "8", "WIDTH", "2*N", "[7:0]", "[WIDTH-1:0]" (ValueError if unknown)."""
    text = width.strip()
    if text.startswith("[") and text.endswith("]"):
        msb, sep, lsb = text[1:-1].partition(":")
        if not sep:  # "[8]": a size, as some models write it
            return evaluate_expression(msb, names)
        return abs(evaluate_expression(msb, names) - evaluate_expression(lsb, names)) + 1
    return evaluate_expression(text, names)


def parameter_values(crux: Crux) -> dict[str, int]:
    """The CRUX's parameter defaults as integers (in order, so later defaults may use earlier ones)."""
    values: dict[str, int] = {}
    for param in crux.interface.parameters:
        try:
            values[param.name] = evaluate_expression(param.default, values)
        except ValueError:
            continue  # a string or real default: widths cannot depend on it
    return values


def check_interface(crux: Crux, verilog: str) -> InterfaceReport:
    """Compare the CRUX's module name and ports with the module that `verilog` really defines."""
    expected = crux.interface.module_name
    try:
        names = module_names(verilog)
        io = module_io(verilog, expected if expected in names else None)
    except VerilogParseError as err:
        return InterfaceReport(expected, None, missing=[p.name for p in crux.interface.ports], parse_error=str(err))
    values = parameter_values(crux)
    real = {p.name: p for p in io.ports}
    missing, wrong_width, wrong_direction, unresolved = [], [], [], []
    agree = int(io.name == expected)
    for port in crux.interface.ports:
        found = real.get(port.name)
        if found is None:
            missing.append(port.name)
            continue
        agree += 1
        if found.direction == port.direction:
            agree += 1
        else:
            wrong_direction.append(PortMismatch(port.name, port.direction, found.direction))
        try:
            bits = evaluate_width(port.width, values)
        except ValueError:
            unresolved.append(port.name)
            agree += 1  # cannot tell: do not punish what we cannot read
            continue
        if bits == found.width:
            agree += 1
        else:
            wrong_width.append(PortMismatch(port.name, str(bits), str(found.width)))
    declared = {p.name for p in crux.interface.ports}
    extra = [p.name for p in io.ports if p.name not in declared]
    checks = 1 + 3 * len(crux.interface.ports) + len(extra)
    return InterfaceReport(expected, io.name, missing, extra, wrong_width, wrong_direction, unresolved,
                           score=agree / checks)


def reference_as_top(problem: "Problem") -> str:
    """The golden reference with its module renamed to the name the candidate must use (RefModule -> top)."""
    if problem.reference_top == problem.top:
        return problem.reference
    return re.sub(rf"\bmodule\s+{re.escape(problem.reference_top)}\b", f"module {problem.top}", problem.reference)


def interface_match(crux: Crux | None, problem: "Problem") -> float:
    """How far a CRUX's Module Interface agrees with the reference's real ports, directions and widths (0..1;
    1.0 = every check agrees; 0 without a CRUX or a readable reference)."""
    if crux is None or not problem.reference:
        return 0.0
    return check_interface(crux, reference_as_top(problem)).score
