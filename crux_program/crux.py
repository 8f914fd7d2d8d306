"""CRUX: the structured intermediate between a free-form spec and Verilog.

Three parts (QiMeng-CRUX, arXiv 2511.20099):
- Module Interface: module name, parameters, ports with direction and width;
- Core Functions: data flow and state transitions, one behaviour per item;
- Key Considerations: reset policy, timing, edge cases, what the spec leaves open.

`Crux.to_markdown()` renders the compact form used in prompts; `Crux.from_markdown()` parses it back
losslessly, and also reads the looser markdown of the paper's released model (`###` headings, numbered
or bulleted items, bold labels, port tables). `split_crux_and_code()` splits a released-model answer
(CRUX sections, then `## Code Implementation` and a fenced verilog block) into its two halves.

Text fields are normalised at construction (whitespace runs collapsed to one space, ends stripped):
one item per markdown line is what makes the round trip exact and the format easy for a small model.
The lenient reader for other people's markdown lives in `crux_program.crux_reader`.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, field_validator

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
SECTIONS = ("## Module Interface", "## Core Functions", "## Key Considerations")


class CruxParseError(ValueError):
    """Raised when text cannot be read as a CRUX; the message says which part is missing."""


def one_line(value: object) -> str:
    """Collapse whitespace so every text field fits on one markdown line."""
    return " ".join(str(value).split())


def _identifier(value: object) -> str:
    name = one_line(value).strip("`*'\" ")
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a Verilog identifier (letters, digits, _ and $; no leading digit)")
    return name


def _direction(value: object) -> str:
    # Small models write "in", "Input", "output reg": keep the meaning, drop the noise.
    word = one_line(value).lower()
    for prefix, canonical in (("inout", "inout"), ("in", "input"), ("out", "output")):
        if word.startswith(prefix):
            return canonical
    return word


def _expression(value: object) -> str:
    # ": " separates a default from its description in the markdown; Verilog ignores the space,
    # so "a ? b : c" is stored as "a ? b :c".
    return re.sub(r":\s", ":", one_line(value))


Name = Annotated[str, BeforeValidator(_identifier)]
Text = Annotated[str, BeforeValidator(one_line)]


class Parameter(BaseModel):
    """A module parameter, e.g. WIDTH = 8."""

    name: Name
    default: Annotated[str, BeforeValidator(_expression)] = ""
    description: Text = ""


class Port(BaseModel):
    """One port. `width` is the bit-width expression: "1", "8", "WIDTH", "2*N", "[7:0]"."""

    name: Name
    direction: Annotated[Literal["input", "output", "inout"], BeforeValidator(_direction)]
    width: Annotated[str, BeforeValidator(lambda v: one_line(v) or "1")] = "1"
    description: Text = ""


class ModuleInterface(BaseModel):
    """Module name, parameters and ports."""

    module_name: Name
    parameters: list[Parameter] = Field(default_factory=list)
    ports: list[Port] = Field(default_factory=list)


class Crux(BaseModel):
    """The full CRUX value."""

    interface: ModuleInterface
    core_functions: list[str] = Field(default_factory=list)
    key_considerations: list[str] = Field(default_factory=list)

    @field_validator("core_functions", "key_considerations", mode="before")
    @classmethod
    def _items(cls, value: object) -> list[str]:
        items = [value] if isinstance(value, str) else list(value or [])
        return [line for line in (one_line(item) for item in items) if line]

    def to_markdown(self) -> str:
        """Render the compact markdown used in prompts (`from_markdown` reads it back exactly)."""
        iface = self.interface
        lines = [SECTIONS[0], f"Module: {iface.module_name}"]
        if iface.parameters:
            lines.append("Parameters:")
            lines += [_param_line(p) for p in iface.parameters]
        lines.append("Ports:")
        lines += [_port_line(p) for p in iface.ports]
        lines += ["", SECTIONS[1], *(f"- {item}" for item in self.core_functions)]
        lines += ["", SECTIONS[2], *(f"- {item}" for item in self.key_considerations)]
        return "\n".join(lines)

    @classmethod
    def from_markdown(cls, text: str) -> "Crux":
        """Parse CRUX markdown (this project's or the released model's); raises CruxParseError."""
        try:
            return _parse_exact(text)
        except _NotExact:
            from crux_program.crux_reader import read_loose_crux  # the slower, forgiving path

            return read_loose_crux(text)

    def missing_parts(self) -> list[str]:
        """Names of the parts that are empty ("ports", "core_functions", "key_considerations")."""
        parts = {"ports": self.interface.ports, "core_functions": self.core_functions,
                 "key_considerations": self.key_considerations}
        return [name for name, items in parts.items() if not items]


def _param_line(p: Parameter) -> str:
    line = f"- {p.name}" + (f" = {p.default}" if p.default else "")
    return line + (f": {p.description}" if p.description else "")


def _port_line(p: Port) -> str:
    unit = "bit" if p.width == "1" else "bits"
    return f"- {p.direction} {p.name} ({p.width} {unit})" + (f": {p.description}" if p.description else "")


_PARAM = re.compile(r"- ([A-Za-z_][\w$]*)(?: = (.+?))?(?:: (.+))?")
_PORT = re.compile(r"- (input|output|inout) ([A-Za-z_][\w$]*) \((.+?) bits?\)(?:: (.+))?")


class _NotExact(Exception):
    """The text is not in this project's exact format; try the forgiving reader."""


def _parse_exact(text: str) -> Crux:
    """Read exactly what `Crux.to_markdown` writes (whitespace at line ends aside)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    try:
        i_core, i_key = lines.index(SECTIONS[1]), lines.index(SECTIONS[2])
    except ValueError as err:
        raise _NotExact from err
    head, core, key = lines[:i_core], lines[i_core + 1:i_key], lines[i_key + 1:]
    if len(head) < 3 or head[0] != SECTIONS[0] or not head[1].startswith("Module: ") or head[-1] != "":
        raise _NotExact
    body, params, ports, target = head[2:-1], [], [], None
    for line in body:
        if line in ("Parameters:", "Ports:"):
            target = params if line == "Parameters:" else ports
            continue
        match = (_PARAM if target is params else _PORT).fullmatch(line) if target is not None else None
        if match is None:
            raise _NotExact
        target.append(match.groups())
    if core[-1:] == [""]:
        core = core[:-1]
    items = core + key
    if any(not line.startswith("- ") for line in items):
        raise _NotExact
    try:
        iface = ModuleInterface(
            module_name=head[1][len("Module: "):],
            parameters=[Parameter(name=n, default=d or "", description=s or "") for n, d, s in params],
            ports=[Port(direction=d, name=n, width=w, description=s or "") for d, n, w, s in ports])
        return Crux(interface=iface, core_functions=[l[2:] for l in core], key_considerations=[l[2:] for l in key])
    except ValueError as err:
        raise _NotExact from err


def split_crux_and_code(text: str) -> tuple[Crux | None, str | None]:
    """Split a released-model style answer into (CRUX or None, Verilog code or None).

    The code is the last fenced block after `## Code Implementation` (or the last fenced block
    anywhere); the CRUX is the text before it, None when it does not parse.
    """
    from crux_program.crux_reader import split_answer

    crux_text, code = split_answer(text)
    try:
        crux = Crux.from_markdown(crux_text) if crux_text.strip() else None
    except CruxParseError:
        crux = None
    return crux, code
