"""Reading one-pass CRUX answers: the three CRUX parts and the Verilog from a single completion.

A one-pass answer comes in one of two layouts:

- DSPy's field format, which models trained here write (the ChatAdapter's `[[ ## interface ## ]]`,
  `[[ ## core_functions ## ]]`, `[[ ## key_considerations ## ]]`, `[[ ## verilog ## ]]` sections);
- the paper's markdown, which the released QiMeng-CRUX-V and other models write (`## Module Interface`,
  `## Core Functions`, `## Key Considerations`, then `## Code Implementation` and a fenced Verilog block).

Each part is read on its own, so a CRUX that does not parse never loses the code after it (and code that does
not compile never loses its CRUX): inference, the GRPO rewards and evaluation all read answers here, so a reward
never credits text the program itself would not use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from crux_program.crux import Crux, CruxParseError, split_crux_and_code

CRUX_FIELDS = ("interface", "core_functions", "key_considerations")
CODE_FIELD = "verilog"
Layout = Literal["fields", "markdown", "raw"]
_HEADER = re.compile(r"^\s*\[\[ ## (\w+) ## \]\]\s*(.*)$")


@dataclass(frozen=True)
class OnePassAnswer:
    """One answer, read. crux: the parsed CRUX (None when it does not parse); verilog: the code part (the whole
    answer when no code part is found: the judge's extractor still finds a module if there is one);
    crux_error: why the CRUX did not parse ("" when it did); layout: which layout the answer was read as."""

    crux: Crux | None
    verilog: str
    crux_error: str
    layout: Layout

    def crux_format(self) -> float:
        """Share of the three CRUX parts (ports, core functions, key considerations) present, 0..1."""
        return 0.0 if self.crux is None else 1.0 - len(self.crux.missing_parts()) / 3.0


def field_sections(text: str) -> dict[str, str]:
    """DSPy field name -> its text, for every `[[ ## name ## ]]` section in `text` (the first of a name wins)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            current = None if match.group(1) in sections else sections.setdefault(match.group(1), [])
            if current is not None and match.group(2).strip():
                current.append(match.group(2))
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def _crux_from_fields(sections: dict[str, str]) -> Crux:
    """The CRUX from its three field sections; raises ValueError (CruxParseError) naming what is wrong."""
    from dspy.adapters.utils import parse_value

    from crux_program.interface_header import read_interface

    missing = [name for name in CRUX_FIELDS if name not in sections]
    if missing:
        raise CruxParseError(f"the answer has no {', '.join(missing)} field")
    try:
        interface = read_interface(sections["interface"])
        functions = parse_value(sections["core_functions"], list[str])
        considerations = parse_value(sections["key_considerations"], list[str])
        return Crux(interface=interface, core_functions=functions, key_considerations=considerations)
    except (ValueError, TypeError) as err:  # pydantic's ValidationError is a ValueError
        raise CruxParseError(f"the CRUX fields do not validate: {str(err).splitlines()[0]}") from err


def read_one_pass(text: str) -> OnePassAnswer:
    """Read a one-pass answer in either layout (see the module docstring). Never raises on model output."""
    text = text or ""
    sections = field_sections(text)
    if any(name in sections for name in (*CRUX_FIELDS, CODE_FIELD)):
        try:
            crux, error = _crux_from_fields(sections), ""
        except CruxParseError as err:
            crux, error = None, f"CRUX did not parse: {err}"
        return OnePassAnswer(crux, sections.get(CODE_FIELD) or text, error, "fields")
    text = "\n".join(line for line in text.splitlines() if not _HEADER.match(line))  # other fields' markers
    crux, code = split_crux_and_code(text)
    if crux is None and code is None:
        return OnePassAnswer(None, text, "CRUX did not parse: no CRUX fields or sections in the answer", "raw")
    error = "" if crux is not None else "CRUX did not parse: its markdown sections are missing or invalid"
    return OnePassAnswer(crux, code or text, error, "markdown")
