"""A CRUX Module Interface written as a Verilog module header, and read back.

The program's adapter writes the `interface` field in the syntax a code model already writes interfaces in:

    module fifo #(
        parameter WIDTH = 8,  // data width
        parameter DEPTH = 16
    ) (
        input clk,  // clock
        input [WIDTH-1:0] din,  // data in
        output [3:0] count
    );

Same content as the JSON value (name, parameters with defaults, ports with direction and width, one description
per item as a trailing `//` comment), in the form a model pretrained on Verilog has learnt to copy from a spec:
the ports it declares here are the ports it then writes in the code. `interface_to_header` and
`interface_from_header` round-trip exactly for the widths this project writes ("1", "8", "WIDTH", "2*N",
"[7:0]"); `read_interface` also accepts the JSON value, so answers in DSPy's default form still parse.
"""
from __future__ import annotations

import re

from crux_program.crux import ModuleInterface, Parameter, Port, one_line

_TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|\n|\[[^\[\]\n]*\]|[A-Za-z_$][\w$]*|\S", re.S)
_DIRECTIONS = ("input", "output", "inout")
_NET_WORDS = {"wire", "reg", "logic", "signed", "unsigned", "var", "tri"}
_SIMPLE = re.compile(r"[A-Za-z_][\w$]*|\d+|\(.*\)")


def width_range(width: str) -> str:
    """The packed range a CRUX width declares: "1" -> "", "8" -> "[7:0]", "WIDTH" -> "[WIDTH-1:0]"."""
    text = width.strip()
    if text in ("", "1"):
        return ""
    if text.startswith("["):
        return text
    if text.isdigit():
        return f"[{int(text) - 1}:0]"
    return f"[{text}-1:0]" if _SIMPLE.fullmatch(text) else f"[({text})-1:0]"


def range_width(packed: str) -> str:
    """The CRUX width of a packed range (the inverse of `width_range`): "[7:0]" -> "8", "[N-1:0]" -> "N"."""
    if not packed:
        return "1"
    inner = packed.strip()[1:-1].replace(" ", "")
    msb, sep, lsb = inner.partition(":")
    if not sep or lsb != "0":
        return packed.strip()
    if msb.isdigit():
        return str(int(msb) + 1)
    if msb.endswith("-1"):
        base = msb[:-2]
        if base.startswith("(") and base.endswith(")") and _balanced(base[1:-1]):
            base = base[1:-1]
        return base or packed.strip()
    return packed.strip()


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def interface_to_header(interface: ModuleInterface) -> str:
    """Render the interface as a Verilog module header (`module name #(...) (...);`), one item per line."""
    lines = [f"module {interface.module_name} " + ("#(" if interface.parameters else "(")]
    for i, param in enumerate(interface.parameters):
        comma = "," if i < len(interface.parameters) - 1 else ""
        line = f"    parameter {param.name}" + (f" = {param.default}" if param.default else "") + comma
        lines.append(line + (f"  // {param.description}" if param.description else ""))
    if interface.parameters:
        lines.append(") (")
    for i, port in enumerate(interface.ports):
        comma = "," if i < len(interface.ports) - 1 else ""
        packed = width_range(port.width)
        line = f"    {port.direction} " + (f"{packed} " if packed else "") + port.name + comma
        lines.append(line + (f"  // {port.description}" if port.description else ""))
    lines.append(");")
    return "\n".join(lines)


class _Items:
    """Comma-separated declarations with their trailing `//` comments (a comment after an item's comma, on the
    same line, describes that item; a comment on a line of its own describes the next one)."""

    def __init__(self) -> None:
        self.items: list[tuple[list[str], str]] = []
        self.current: list[str] = []
        self.pending = ""
        self.same_line_as_last = False

    def token(self, tok: str) -> None:
        if tok == "\n":
            self.same_line_as_last = False
        elif tok.startswith("//"):
            note = one_line(tok[2:])
            if self.current:
                self.pending = note
            elif self.items and self.same_line_as_last and not self.items[-1][1]:
                self.items[-1] = (self.items[-1][0], note)
            else:
                self.pending = note
        elif tok == ",":
            self.close()
            self.same_line_as_last = True
        else:
            self.current.append(tok)

    def close(self) -> None:
        if self.current:
            self.items.append((self.current, self.pending))
        self.current, self.pending = [], ""


def _group(tokens: list[str], start: int) -> tuple[_Items, int]:
    """The items of the parenthesised list opening at tokens[start] ('('), and the index after its ')'."""
    items, depth, i = _Items(), 0, start + 1
    while i < len(tokens):
        tok = tokens[i]
        if tok == "(":
            depth += 1
        elif tok == ")":
            if depth == 0:
                items.close()
                return items, i + 1
            depth -= 1
        if depth == 0 or tok == "\n":
            items.token(tok)
        else:  # inside nested parentheses: part of the current item, commas included
            items.current.append(tok)
        i += 1
    raise ValueError("the module header's parenthesis is never closed")


def _parameter(words: list[str], note: str) -> Parameter:
    words = [w for w in words if w not in ("parameter", "localparam", "integer", "int") and w != "\n"]
    if not words:
        raise ValueError("a parameter without a name")
    if words[0].startswith("["):
        words = words[1:]
    name, rest = words[0], words[1:]
    default = _join(rest[1:]) if rest[:1] == ["="] else ""
    return Parameter(name=name, default=default, description=note)


def _join(tokens: list[str]) -> str:
    """Tokens of an expression as one string: a space only between two words ("8'd5", "WIDTH-1", "2*N")."""
    out = ""
    for tok in tokens:
        if out and re.match(r"[\w$]", tok) and re.search(r"[\w$]$", out):
            out += " "
        out += tok
    return out


def _ports(items: _Items) -> list[Port]:
    ports: list[Port] = []
    direction, packed = "", ""
    for words, note in items.items:
        words = [w for w in words if w != "\n"]
        if words and words[0] in _DIRECTIONS:
            direction, packed = words[0], ""
            words = [w for w in words[1:] if w not in _NET_WORDS]
            if words and words[0].startswith("["):
                packed, words = words[0], words[1:]
        if not direction:
            raise ValueError(f"port {' '.join(words)!r} has no direction (input, output or inout)")
        if len(words) != 1:
            raise ValueError(f"cannot read the port declaration {' '.join(words)!r}")
        ports.append(Port(name=words[0], direction=direction, width=range_width(packed), description=note))
    return ports


def interface_from_header(text: str) -> ModuleInterface:
    """Read a Verilog module header (`module name [#(parameters)] (ports);`); raises ValueError naming the
    problem. Net kinds (wire/reg/logic) and `signed` are not part of a CRUX interface and are dropped."""
    tokens = [t for t in _TOKEN.findall(text or "") if not t.startswith("/*")]
    try:
        at = tokens.index("module")
    except ValueError:
        raise ValueError("no `module` keyword: the interface must be a Verilog module header") from None
    words = [t for t in tokens[at + 1:at + 3] if t != "\n"]
    if not words:
        raise ValueError("`module` is not followed by a name")
    name, i = words[0], at + 2
    params: list[Parameter] = []
    while i < len(tokens) and tokens[i] == "\n":
        i += 1
    if i < len(tokens) and tokens[i] == "#":
        i += 1
        while i < len(tokens) and tokens[i] != "(":
            i += 1
        group, i = _group(tokens, i)
        params = [_parameter(words, note) for words, note in group.items]
    while i < len(tokens) and tokens[i] != "(":
        if tokens[i] == ";":
            return ModuleInterface(module_name=name, parameters=params, ports=[])
        i += 1
    if i >= len(tokens):
        raise ValueError("the module header has no port list")
    group, _ = _group(tokens, i)
    return ModuleInterface(module_name=name, parameters=params, ports=_ports(group))


def read_interface(text: str) -> ModuleInterface:
    """The interface from a field's text: a Verilog module header, or the JSON value (DSPy's default form).
    Raises ValueError (pydantic's ValidationError is one) when it is neither."""
    if re.search(r"\bmodule\b", text or "") and not (text or "").lstrip().startswith("{"):
        return interface_from_header(text)
    from dspy.adapters.utils import parse_value

    return parse_value(text, ModuleInterface)
