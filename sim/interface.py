"""Module interfaces read with pyslang: ports, widths, parameters, clock and reset.

`module_io` elaborates a module with its default parameters, so `[W-1:0]` becomes a real width.
`infer_clocking` finds the clock and reset from the design itself (edge events in the sensitivity
lists, the condition of the first `if` in clocked blocks) rather than guessing from names: an
`always @(posedge clk or negedge rst_n) if (!rst_n)` gives an asynchronous, active-low reset.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

# Only the module, never `from pyslang... import SomeType`: a binding type kept in this module's globals outlives
# the interpreter when anything still holds one of these functions at exit (a daemon thread that has not ended),
# and nanobind then reports pyslang's types and functions as leaked after the test summary. The pyslang module
# object itself has its globals cleared at exit, so through it nothing of pyslang is pinned.
import pyslang

Direction = Literal["input", "output", "inout"]

_DIRECTIONS: dict[str, Direction] = {"In": "input", "Out": "output", "InOut": "inout", "Ref": "inout"}


class VerilogParseError(ValueError):
    """The source does not parse, or does not define the module asked for."""


@dataclass(frozen=True)
class PortIO:
    """One port of an elaborated module (width with default parameters)."""

    name: str
    direction: Direction
    width: int


@dataclass(frozen=True)
class ModuleIO:
    """The interface of one module: name, overridable parameters with their defaults, ports in order."""

    name: str
    parameters: list[tuple[str, str]] = field(default_factory=list)
    ports: list[PortIO] = field(default_factory=list)

    def port(self, name: str) -> PortIO | None:
        """The port called `name`, or None."""
        return next((p for p in self.ports if p.name == name), None)

    @property
    def inputs(self) -> list[PortIO]:
        return [p for p in self.ports if p.direction == "input"]

    @property
    def outputs(self) -> list[PortIO]:
        return [p for p in self.ports if p.direction != "input"]


@dataclass(frozen=True)
class Clocking:
    """How a design is clocked and reset, as found in its always blocks.

    clock: input port used as an edge event (None: combinational design).
    reset: input port tested first in clocked blocks (None: no reset found).
    reset_active_low: the reset branch is taken when the port is 0.
    reset_async: the reset also appears as an edge event (takes effect without a clock edge).
    """

    clock: str | None = None
    clock_edge: Literal["posedge", "negedge"] = "posedge"
    reset: str | None = None
    reset_active_low: bool = False
    reset_async: bool = False


def _parse(source: str) -> pyslang.syntax.SyntaxTree:
    tree = pyslang.syntax.SyntaxTree.fromText(source)
    errors = [d for d in tree.diagnostics if d.isError()]
    if errors:
        report = pyslang.DiagnosticEngine.reportAll(tree.sourceManager, errors[:1])
        first = report.strip().splitlines()[0] if report.strip() else str(errors[0].code)
        raise VerilogParseError(f"{first} (fix the syntax before checking the interface)")
    return tree


def module_names(source: str) -> list[str]:
    """Names of all modules defined in `source`, in source order. Raises VerilogParseError."""
    tree = _parse(source)
    names: list[str] = []
    # A source with a single declaration has it as the root, not inside a CompilationUnit.
    root = tree.root
    members = root.members if root.kind == pyslang.syntax.SyntaxKind.CompilationUnit else [root]
    for member in members:
        if member.kind == pyslang.syntax.SyntaxKind.ModuleDeclaration:
            names.append(member.header.name.valueText)
    return names


def _elaborate(source: str, top: str | None) -> tuple[pyslang.ast.Compilation, pyslang.ast.InstanceSymbol]:
    """The compilation and the top instance; callers keep the compilation alive while they use symbols."""
    tree = _parse(source)
    names = module_names(source)
    if not names:
        raise VerilogParseError("no module found: the source must define at least one `module ... endmodule`")
    if top is not None and top not in names:
        raise VerilogParseError(f"module {top!r} not found (defined: {', '.join(names)}); rename the module")
    options = pyslang.ast.CompilationOptions()
    if top is not None:
        options.topModules = {top}
    compilation = pyslang.ast.Compilation(pyslang.Bag([options]))
    compilation.addSyntaxTree(tree)
    tops = list(compilation.getRoot().topInstances)
    if top is None:
        # Several uninstantiated modules: the last one defined is the conventional top.
        order = {n: i for i, n in enumerate(names)}
        tops.sort(key=lambda inst: order.get(inst.body.name, -1))
    else:
        tops = [t for t in tops if t.body.name == top]
    if not tops:
        raise VerilogParseError(
            f"module {top or names[-1]!r} cannot be elaborated as a top (parameters without defaults?)"
        )
    return compilation, tops[-1]


def module_io(source: str, top: str | None = None) -> ModuleIO:
    """Ports (with elaborated widths) and parameters of module `top` (default: the top-level module)."""
    _compilation, instance = _elaborate(source, top)  # symbols do not own their compilation: keep it
    body = instance.body
    ports = []
    for port in body.portList:
        if not hasattr(port, "direction"):
            continue  # interface ports carry no direction: not driven by a harness
        direction = _DIRECTIONS.get(port.direction.name, "inout")
        ports.append(PortIO(port.name, direction, max(1, int(port.type.bitWidth))))
    parameters = [
        (p.name, str(p.value)) for p in body.parameters
        if getattr(p, "isPortParam", False) or not getattr(p, "isLocalParam", True)
    ]
    return ModuleIO(body.name, parameters, ports)


def _strip(expr):
    while expr.kind == pyslang.ast.ExpressionKind.Conversion:
        expr = expr.operand
    return expr


def _signal_name(expr) -> str | None:
    expr = _strip(expr)
    if expr.kind == pyslang.ast.ExpressionKind.NamedValue:
        return expr.symbol.name
    return None


def _literal_bit(expr) -> int | None:
    text = str(_strip(expr).syntax).strip().lower().replace("_", "")
    if text in ("0", "1'b0", "'b0", "1'h0", "1'd0", "'0"):
        return 0
    if text in ("1", "1'b1", "'b1", "1'h1", "1'd1", "'1"):
        return 1
    return None


def _condition_test(expr) -> tuple[str, bool] | None:
    """(signal, active_low) for `rst`, `!rst`, `~rst`, `rst == 0`, `rst != 1`..., else None."""
    expr = _strip(expr)
    kind = expr.kind
    if kind == pyslang.ast.ExpressionKind.NamedValue:
        return expr.symbol.name, False
    if kind == pyslang.ast.ExpressionKind.UnaryOp and expr.op.name in ("LogicalNot", "BitwiseNot"):
        name = _signal_name(expr.operand)
        return (name, True) if name else None
    if kind == pyslang.ast.ExpressionKind.BinaryOp:
        op = expr.op.name
        if op not in ("Equality", "CaseEquality", "Inequality", "CaseInequality"):
            return None
        name, bit = _signal_name(expr.left), _literal_bit(expr.right)
        if name is None:
            name, bit = _signal_name(expr.right), _literal_bit(expr.left)
        if name is None or bit is None:
            return None
        negated = op in ("Inequality", "CaseInequality")
        return name, (bit == 0) != negated
    return None


def _is_constant(expr) -> bool:
    """Literals, parameters, enum values and concatenations of them (what a reset assigns)."""
    E = pyslang.ast.ExpressionKind
    expr = _strip(expr)
    if expr.kind in (E.IntegerLiteral, E.UnbasedUnsizedIntegerLiteral, E.RealLiteral, E.StringLiteral):
        return True
    if expr.kind == E.NamedValue:
        return expr.symbol.kind in (pyslang.ast.SymbolKind.Parameter, pyslang.ast.SymbolKind.EnumValue)
    if expr.kind == E.Concatenation:
        return all(_is_constant(op) for op in expr.operands)
    if expr.kind == E.Replication:
        return _is_constant(expr.concat)
    return expr.constant is not None


def _assigns_constants(stmt) -> bool:
    """True when `stmt` only assigns constants (what a reset branch does; an enable branch does not)."""
    S = pyslang.ast.StatementKind
    if stmt.kind == S.Block:
        return _assigns_constants(stmt.body)
    if stmt.kind == S.List:
        return len(stmt.list) > 0 and all(_assigns_constants(s) for s in stmt.list)
    if stmt.kind == S.ForLoop:  # `for (i...) mem[i] <= 0;` clears a memory on reset
        return _assigns_constants(stmt.body)
    if stmt.kind == S.VariableDeclaration:  # the loop variable of such a `for`
        return True
    if stmt.kind == S.ExpressionStatement and stmt.expr.kind == pyslang.ast.ExpressionKind.Assignment:
        return _is_constant(stmt.expr.right)
    return False


def _reset_conditions(stmt) -> list:
    """Conditions of the top-level `if`s of a clocked block whose taken branch looks like a reset."""
    S = pyslang.ast.StatementKind
    while stmt is not None and stmt.kind in (S.Block, S.ForLoop):  # `for` over lanes, each with a reset
        stmt = stmt.body
    if stmt is None:
        return []
    statements = list(stmt.list) if stmt.kind == S.List else [stmt]
    return [
        s.conditions[0].expr for s in statements
        if s.kind == S.Conditional and _assigns_constants(s.ifTrue)
    ]


def _condition_tests(expr) -> list[tuple[str, bool]]:
    """Port tests in a reset condition; `reset || q == 10` still means "reset forces this branch"."""
    expr = _strip(expr)
    if expr.kind == pyslang.ast.ExpressionKind.BinaryOp and expr.op.name == "LogicalOr":
        return _condition_tests(expr.left) + _condition_tests(expr.right)
    test = _condition_test(expr)
    return [test] if test else []


def _edge_events(timing) -> list[tuple[str, str]]:
    T = pyslang.ast.TimingControlKind
    events = list(timing.events) if timing.kind == T.EventList else [timing]
    found = []
    for event in events:
        if getattr(event, "kind", None) != T.SignalEvent or event.edge.name not in ("PosEdge", "NegEdge"):
            continue
        name = _signal_name(event.expr)
        if name:
            found.append((name, "posedge" if event.edge.name == "PosEdge" else "negedge"))
    return found


def infer_clocking(source: str, top: str | None = None) -> Clocking:
    """Clock port, edge, reset port, polarity and sync/async of module `top`, found in its always blocks."""
    _compilation, instance = _elaborate(source, top)
    inputs = {p.name for p in instance.body.portList
              if getattr(p, "direction", None) is not None and p.direction.name == "In"}
    clocks: Counter[tuple[str, str]] = Counter()
    resets: Counter[tuple[str, bool]] = Counter()
    async_resets: set[str] = set()

    def visit(symbol) -> bool:
        if symbol.kind != pyslang.ast.SymbolKind.ProceduralBlock:
            return True
        body = symbol.body
        if body.kind != pyslang.ast.StatementKind.Timed:
            return True
        edges = _edge_events(body.timing)
        if not edges:
            return True
        tests = [t for c in _reset_conditions(body.stmt) for t in _condition_tests(c)]
        tested = {name for name, _ in tests}
        for name, edge in edges:
            if len(edges) > 1 and name in tested:
                async_resets.add(name)  # an edge event that is also the reset test
            else:
                clocks[(name, edge)] += 1
        for test in tests:
            resets[test] += 1
        return True

    instance.body.visit(visit)
    clock_votes = [(k, v) for k, v in clocks.most_common() if k[0] in inputs]
    if not clock_votes:
        return Clocking()
    (clock, edge), _ = clock_votes[0]
    clock_names = {name for name, _ in clocks}
    reset_votes = [(k, v) for k, v in resets.most_common() if k[0] in inputs and k[0] not in clock_names]
    if not reset_votes:
        return Clocking(clock=clock, clock_edge=edge)
    (reset, active_low), _ = reset_votes[0]
    return Clocking(clock, edge, reset, active_low, reset in async_resets)
