"""What a source file declares outside its modules: the names one group member could clash on with another.

The group is compiled as one Icarus compilation unit (Icarus 11's `-u`, one unit per file, crashes on an enum
`typedef` declared at file level), so a file-level `typedef enum {IDLE, RUN} state_t;` of two honest members
would be declared twice, and a `` `define `` of one member would reach the members after it. The harness
renames these names per member (harness.rename_modules), as it renames modules: each member keeps its own.
"""
from __future__ import annotations

import re

import pyslang
from pyslang.syntax import SyntaxKind  # a Python enum: held here, it keeps no binding type alive at exit

_MACRO_DEF = re.compile(r"`define[ \t]+([A-Za-z_][\w$]*)")
_UNIT_KINDS = {SyntaxKind.ModuleDeclaration, SyntaxKind.InterfaceDeclaration, SyntaxKind.PackageDeclaration,
               SyntaxKind.ProgramDeclaration}


def macro_names(source: str) -> set[str]:
    """Names the source `define`s."""
    return set(_MACRO_DEF.findall(source))


def _declared(items) -> list[str]:
    return [item.name.valueText for item in items if hasattr(item, "name")]


def top_level_names(source: str) -> set[str]:
    """Names declared at file level (the shared `$unit`): typedefs and their enum constants, parameters,
    variables and nets, functions and tasks, plus interface, package and program names (global as well).

    Enum constants declared with a range (`S[4]` makes S0..S3) are left alone: the names the code uses are
    not the declared one, so renaming would break it; such a clash only costs the group its shared run.
    """
    names: set[str] = set()
    try:
        # Through the module, as in sim.interface (why: there); held: the nodes below live only as long as
        # their tree.
        tree = pyslang.syntax.SyntaxTree.fromText(source)
    except RuntimeError:  # pathological nesting; the member's screen has refused such code already
        return names
    if tree.root.kind != SyntaxKind.CompilationUnit:  # one lone module parses as that module: nothing else
        return names
    for member in tree.root.members:
        kind = member.kind
        if kind == SyntaxKind.TypedefDeclaration:
            names.add(member.name.valueText)
            if member.type.kind == SyntaxKind.EnumType:
                names.update(m.name.valueText for m in member.type.members
                             if hasattr(m, "name") and not len(m.dimensions))
        elif kind == SyntaxKind.ParameterDeclarationStatement:
            names.update(_declared(member.parameter.declarators))
        elif kind in (SyntaxKind.DataDeclaration, SyntaxKind.NetDeclaration):
            names.update(_declared(member.declarators))
        elif kind in (SyntaxKind.FunctionDeclaration, SyntaxKind.TaskDeclaration):
            if member.prototype.name.kind == SyntaxKind.IdentifierName:
                names.add(member.prototype.name.identifier.valueText)
        elif kind in _UNIT_KINDS and kind != SyntaxKind.ModuleDeclaration:
            names.add(member.header.name.valueText)
    names.discard("")
    return names
