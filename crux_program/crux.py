"""CRUX: the structured intermediate between a free-form spec and Verilog.

Three parts (QiMeng-CRUX, arXiv 2511.20099):
- Module Interface: module name, parameters, ports with direction and width;
- Core Functions: data flow and state transitions, one behaviour per item;
- Key Considerations: reset policy, timing, edge cases, what the spec leaves open.

`Crux.to_markdown()` renders the form used in prompts; `Crux.from_markdown()` parses it back
losslessly, and also reads the released model's format (CRUX sections followed by
`## Code Implementation` and a fenced verilog block).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CruxParseError(ValueError):
    """Raised when text cannot be read as a CRUX; the message says which part is missing."""


class Parameter(BaseModel):
    """A module parameter, e.g. WIDTH = 8."""

    name: str
    default: str = ""
    description: str = ""


class Port(BaseModel):
    """One port. `width` is the bit-width expression: "1", "8", "WIDTH", "2*N"."""

    name: str
    direction: Literal["input", "output", "inout"]
    width: str = "1"
    description: str = ""


class ModuleInterface(BaseModel):
    """Module name, parameters and ports."""

    module_name: str
    parameters: list[Parameter] = Field(default_factory=list)
    ports: list[Port] = Field(default_factory=list)


class Crux(BaseModel):
    """The full CRUX value."""

    interface: ModuleInterface
    core_functions: list[str] = Field(default_factory=list)
    key_considerations: list[str] = Field(default_factory=list)
