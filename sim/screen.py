"""The allowlist screen: what a candidate design may name, checked on the code Icarus will compile.

The screen reads the candidate as Icarus' own preprocessor left it (`sim.preprocess`; `__ICARUS__` defined, every
macro expanded, comments kept), parsed by pyslang, so a name built from macros, hidden in an `` `ifdef ``
branch, or spelled with escapes is seen as the compiler sees it. The judge then compiles exactly that text.

A design may call only the system tasks and functions that synthesizable RTL and honest debug prints need
(`ALLOWED_SYSTEM`: printing to standard output, math, conversions, `$random(seed)`, time, waveform dumps,
assertion helpers). `$random` needs a seed variable of the design's own (and `$urandom` is refused): unseeded, it
draws from the generator the testbench's stimulus comes from, and a design could steer the stimulus. Everything else is refused, including every way into the file system (`$fopen`, `$readmem*`,
`$fwrite`, Icarus' VHDL textio `$ivlh_*`, `$dumpfile` stays: the run step's folder is a private tmpfs), every way
to end or steer the simulation (`$finish`, `$finish_and_return`, `$stop`, `$fatal`, `$timeformat`, plusargs,
`$system`), `$root` and `$unit`. `force`/`release`, the bidirectional switches (`tran`, `rtran`, `tranif*`) and
`alias` are refused too: Icarus collapses a port with the testbench's net outside it, so forcing or switching an
input changes the stimulus the reference sees as well. Directives are allowed only when they change nothing outside the candidate's own
file (`ALLOWED_DIRECTIVES`; each file is its own compilation unit): `` `line `` (which makes the compiler blame
another file), `` `begin_keywords ``, `` `pragma `` and the rest are refused.

A dotted name (`a.b`) is allowed only when its first part is declared, in a scope around the name (its module,
or a block, task or function it stands in), as an instance of a module the candidate declares (not a gate or a
UDP, which have no scope), a named (non-generate) block, or a variable of a struct, union or user-defined type: such a name shadows everything above it, so the reference stays inside the
candidate's own hierarchy. A declaration in a sibling scope (another generate branch, a task, a function) is not
visible there, and a generate block exists only if elaboration takes its branch or runs its loop, which depends
on constant expressions that tools evaluate differently (`$bits` of an unpacked type): where it does not exist,
Icarus resolves the name upwards into the testbench. So neither may start a dotted name: an honest design that
reads `g[3].x` from outside its generate loop is refused (rare in answers; a known limit). Anything else
(`tb.stats1.errors`, an upward `stats1.errors`) could read or write the testbench's or the harness's state.

Strings are not screened: verdict lines travel with a per-run nonce the candidate cannot know
(`sim.verilog_eval`, `sim.rtllm`, `sim.differential`), so printing one gains nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyslang
from pyslang.parsing import TokenKind, TriviaKind
from pyslang.syntax import SyntaxKind

_PRINT = {f"${base}{radix}" for base in ("display", "write", "strobe", "monitor") for radix in ("", "b", "h", "o")}
ALLOWED_SYSTEM = frozenset(_PRINT | {
    "$monitoron", "$monitoroff", "$error", "$warning", "$info",  # severity tasks print; $fatal also ends the run
    "$time", "$stime", "$realtime",
    "$signed", "$unsigned", "$cast", "$rtoi", "$itor", "$realtobits", "$bitstoreal", "$shortrealtobits",
    "$bitstoshortreal",
    "$clog2", "$ln", "$log10", "$exp", "$sqrt", "$pow", "$floor", "$ceil", "$sin", "$cos", "$tan", "$asin", "$acos",
    "$atan", "$atan2", "$hypot", "$sinh", "$cosh", "$tanh", "$asinh", "$acosh", "$atanh", "$abs", "$min", "$max",
    "$bits", "$countones", "$countbits", "$onehot", "$onehot0", "$isunknown", "$left", "$right", "$low", "$high",
    "$increment", "$size", "$dimensions", "$unpacked_dimensions", "$typename",
    "$random", "$dist_uniform", "$dist_normal", "$dist_exponential", "$dist_poisson",
    "$dist_chi_square", "$dist_t", "$dist_erlang",
    "$sformat", "$sformatf", "$swrite", "$swriteb", "$swriteh", "$swriteo", "$psprintf", "$sscanf",
    "$dumpfile", "$dumpvars", "$dumpon", "$dumpoff", "$dumpall", "$dumpflush", "$dumplimit",
    "$past", "$rose", "$fell", "$stable", "$changed", "$sampled",
})
# The simulator has one unseeded generator, and the testbench draws its stimulus from it: a candidate calling
# `$random` without a seed of its own could burn draws until the stimulus is what its wrong design answers right.
# With a seed variable (`$random(seed)`) it draws from its own state. `$urandom*` share the generator: not allowed.
SEEDED_ONLY = frozenset({"$random"})
ALLOWED_DIRECTIVES = frozenset({"`timescale", "`default_nettype", "`resetall", "`celldefine", "`endcelldefine",
                                "`unconnected_drive", "`nounconnected_drive"})
_SYSTEM_TOKENS = (TokenKind.SystemIdentifier, TokenKind.RootSystemName, TokenKind.UnitSystemName)
# Constructs that reach back through a port into the testbench's own net (Icarus collapses a port with the net
# outside it): `force d = 0` on an input, or a bidirectional switch from an input to a supply net, changes the
# stimulus the reference sees too, and an all-zero design then passes. Synthesizable RTL needs none of them.
REFUSED_KEYWORDS = {TokenKind.ForceKeyword: "force", TokenKind.ReleaseKeyword: "release",
                    TokenKind.TranKeyword: "tran", TokenKind.TranIf0Keyword: "tranif0",
                    TokenKind.TranIf1Keyword: "tranif1", TokenKind.RtranKeyword: "rtran",
                    TokenKind.RtranIf0Keyword: "rtranif0", TokenKind.RtranIf1Keyword: "rtranif1",
                    TokenKind.AliasKeyword: "alias"}
_TYPED = (SyntaxKind.NamedType, SyntaxKind.StructType, SyntaxKind.UnionType)
_DECLARATIONS = (SyntaxKind.DataDeclaration, SyntaxKind.ImplicitAnsiPort, SyntaxKind.PortDeclaration,
                 SyntaxKind.NetDeclaration)

# Used by sim.silence and sim.rtllm to find string literals: strings and comments matched together so that a "/*"
# inside a string cannot hide code. Linear: each alternative consumes what it matches, no nested repetition, and an
# unclosed /* runs to the end (else every later /* would rescan to the end: quadratic on a run of openers).
_STRING_PATTERN = r'"(?:\\.|[^"\\\n])*"'
STRING_OR_COMMENT = re.compile(_STRING_PATTERN + r'|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)


@dataclass(frozen=True)
class ScreenVerdict:
    """ok, or the reason the candidate was refused."""

    ok: bool
    reason: str = ""


# Syntax that opens a scope: a name declared directly inside is visible there and below, never above it.
_SCOPES = frozenset({SyntaxKind.ModuleDeclaration, SyntaxKind.GenerateBlock, SyntaxKind.SequentialBlockStatement,
                     SyntaxKind.ParallelBlockStatement, SyntaxKind.TaskDeclaration, SyntaxKind.FunctionDeclaration,
                     SyntaxKind.IfGenerate, SyntaxKind.LoopGenerate, SyntaxKind.CaseGenerate})
# A generate block's label names it in the scope around the whole if/for/case construct.
_GENERATE_WRAPPERS = frozenset({SyntaxKind.IfGenerate, SyntaxKind.LoopGenerate, SyntaxKind.CaseGenerate})


def _key(node) -> tuple:
    """A stable identity for a syntax node (pyslang hands out a new wrapper object on every access)."""
    return (node.kind, node.sourceRange.start.offset, node.sourceRange.end.offset)


def _scope_above(node, skip: frozenset = frozenset()):
    node = node.parent
    while node is not None and (node.kind not in _SCOPES or node.kind in skip):
        node = node.parent
    return node


def _owner(node):
    """The scope a declaration's name lives in (None outside any module)."""
    if node.kind == SyntaxKind.NamedBlockClause:  # a label names its block in the scope around the block
        block = node.parent
        skip = _GENERATE_WRAPPERS if block.kind == SyntaxKind.GenerateBlock else frozenset()
        return _scope_above(block, skip)
    return _scope_above(node)


def _leftmost(node):
    while node.kind == SyntaxKind.ScopedName:
        node = node.left
    return node


def _is_typed_declarator(declarator) -> bool:
    """Is this declarator's declaration of a struct, union or user-defined (typedef'd) type?"""
    decl = declarator.parent
    while decl is not None and decl.kind not in _DECLARATIONS:
        decl = decl.parent
    if decl is None:
        return False
    found = False

    def look(node) -> bool:
        nonlocal found
        if isinstance(node, pyslang.parsing.Token):
            return True
        if node.kind == SyntaxKind.Declarator:
            return False  # the declarator's own initialiser is not its type
        if node.kind in _TYPED:
            found = True
            return False
        return True

    decl.visit(look)
    return found


def _module_names(root) -> set[str]:
    """The modules (not primitives) the candidate declares."""
    names: set[str] = set()

    def collect(node) -> bool:
        if isinstance(node, pyslang.parsing.Token):
            return True
        if node.kind == SyntaxKind.ModuleDeclaration:
            names.add(node.header.name.valueText)
        return True

    root.visit(collect)
    return names


def _module_instance(node, modules: set[str]) -> bool:
    """Is this instance name an instance of a module the candidate declares? A gate or a UDP instance has no
    scope in Icarus (a name through it resolves upwards), and a module the candidate does not declare is not
    its own."""
    decl = node.parent.parent if node.parent is not None else None
    return (decl is not None and decl.kind == SyntaxKind.HierarchyInstantiation
            and str(decl.type).strip() in modules)


def _scope_declarations(root) -> dict[tuple, set[str]]:
    """Scope -> the names a dotted name may start with there: instances, labelled (non-generate) blocks, typed
    variables; an array's name is kept as `name[]` (a starter only with an index)."""
    names: dict[tuple, set[str]] = {}
    modules = _module_names(root)

    def collect(node) -> bool:
        if isinstance(node, pyslang.parsing.Token):
            return True
        kind = node.kind
        if kind == SyntaxKind.InstanceName and not _module_instance(node, modules):
            return True
        typed = kind == SyntaxKind.Declarator and _is_typed_declarator(node)
        # A generate block's label is declared around the construct, but the block exists only if elaboration
        # takes its branch (or runs its loop): when it does not, Icarus resolves the name upwards. Never a starter.
        generated = kind == SyntaxKind.NamedBlockClause and node.parent.kind == SyntaxKind.GenerateBlock
        starter = kind in (SyntaxKind.InstanceName, SyntaxKind.NamedBlockClause) and not generated or typed
        if starter and not _member(node):
            owner = _owner(node)
            if owner is not None:
                # an array (of instances, of structs) is a starter only with an index: `a.b` is not into it
                array = kind != SyntaxKind.NamedBlockClause and len(node.dimensions) > 0
                names.setdefault(_key(owner), set()).add(node.name.valueText + ("[]" if array else ""))
        return True

    root.visit(collect)
    return names


def _member(node) -> bool:
    """Is this declarator a member of a struct or union type (a field name, not a variable of the scope)?"""
    node = node.parent
    while node is not None and node.kind not in _DECLARATIONS:
        if node.kind == SyntaxKind.StructUnionMember:
            return True
        node = node.parent
    return False


def _visible(node, declared: dict[tuple, set[str]]) -> set[str]:
    """The names of `declared` visible where `node` stands: those of every scope around it."""
    seen: set[str] = set()
    scope = _scope_above(node)
    while scope is not None:
        seen |= declared.get(_key(scope), set())
        scope = _scope_above(scope)
    return seen


_DIRECTIVE = re.compile(r"`[A-Za-z_][\w$]*")


def _directive_refusal(code: str) -> str | None:
    """The first directive outside the allowlist. Read from the text (strings and comments blanked), not the tree:
    pyslang keeps directives as trivia, and one after the last `endmodule` of a lone module has no token to hang on."""
    bare = STRING_OR_COMMENT.sub(lambda m: " " * len(m.group(0)), code)
    for m in _DIRECTIVE.finditer(bare):
        if m.group(0) not in ALLOWED_DIRECTIVES:
            return (f"{m.group(0)}: this directive is not allowed in candidate code (allowed: "
                    f"{', '.join(sorted(ALLOWED_DIRECTIVES))})")
    return None


def screen_tree(tree: pyslang.syntax.SyntaxTree, code: str) -> ScreenVerdict:
    """Check a preprocessed candidate (`code`, parsed as `tree`) against the allowlists and the dotted-name rule."""
    reason: str | None = None
    declared = _scope_declarations(tree.root)

    def visit(node) -> bool:
        nonlocal reason
        if reason is not None:
            return False
        if isinstance(node, pyslang.parsing.Token):
            # `\$finish ` is an escaped identifier to the parser, but Icarus calls the system task by it
            escaped_system = node.kind == TokenKind.Identifier and node.valueText.lstrip("\\").startswith("$")
            if node.kind in REFUSED_KEYWORDS:
                reason = (f"{REFUSED_KEYWORDS[node.kind]}: not allowed in candidate code (through a port it reaches "
                          "the testbench's own nets: forcing or switching an input changes the stimulus itself)")
                return True
            name = node.valueText.lstrip("\\")
            if (node.kind in _SYSTEM_TOKENS or escaped_system) and (
                    name not in ALLOWED_SYSTEM or escaped_system and name in SEEDED_ONLY):
                reason = (f"{node.valueText.lstrip(chr(92))}: this system task/function is not allowed in candidate code (files, "
                          "simulation control and the testbench's scope are the testbench's)")
            return True
        if node.kind == SyntaxKind.SystemName and node.systemIdentifier.valueText in SEEDED_ONLY:
            call = node.parent
            args = call.arguments if call.kind == SyntaxKind.InvocationExpression else None
            if args is None or not len(args.parameters):
                reason = (f"{node.systemIdentifier.valueText} without a seed argument draws from the generator the "
                          "testbench's stimulus comes from: pass a seed variable of the design's own")
                return False
        if node.kind == SyntaxKind.ScopedName and node.separator.kind == TokenKind.Dot:
            first = _leftmost(node)
            name = first.identifier.valueText if first.kind in (SyntaxKind.IdentifierName,
                                                                SyntaxKind.IdentifierSelectName) else None
            indexed = first.kind == SyntaxKind.IdentifierSelectName
            starter = None if name is None else name + ("[]" if indexed else "")
            if starter is None or starter not in _visible(node, declared):
                reason = (f"{str(node).strip()}: a hierarchical name must start at an instance, block or struct "
                          "variable declared in a scope around it (it would reach the testbench's state)")
                return False
        return True

    tree.root.visit(visit)
    if reason is None:
        reason = _directive_refusal(code)
    return ScreenVerdict(False, reason) if reason else ScreenVerdict(True)


def screen(code: str) -> ScreenVerdict:
    """Screen preprocessed candidate text (parses it; `screen_tree` when a tree exists already)."""
    return screen_tree(pyslang.syntax.SyntaxTree.fromText(code), code)
