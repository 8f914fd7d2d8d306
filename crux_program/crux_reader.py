"""A forgiving reader for CRUX markdown written by other people and other models.

The paper's released model (QiMeng-CRUX-V) and general chat models write the same three sections with
more freedom: `##`/`###`/bold headings, numbered or bulleted items, bold labels, backticked names, port
tables, Verilog-style declarations (`input [7:0] a`), "8-bit" widths, and `Inputs:`/`Outputs:` groups.
`read_loose_crux` reads all of these; `Crux.from_markdown` tries the exact format first and falls back here.
"""
from __future__ import annotations

import re

from crux_program.crux import IDENTIFIER, Crux, CruxParseError, ModuleInterface, Parameter, Port, one_line

_HEADING = re.compile(r"^\s*(?:#{1,6}\s*|\*\*(?=.*\*\*\s*:?\s*$))(.*?)[\s*:#]*$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
_FENCE = re.compile(r"```[ \t]*(?:verilog|systemverilog|sv|v)?[ \t]*\n(.*?)```", re.S | re.I)
_RANGE = re.compile(r"\[[^\]]*\]")
_BITS = re.compile(r"\b([\w$()*+\-/]+?)[- ]bits?\b", re.I)
_NOT_NAMES = {"input", "output", "inout", "wire", "reg", "logic", "signed", "unsigned", "bit", "bits",
              "port", "parameter", "localparam", "integer", "width", "direction", "description"}
_PART_WORDS = (("interface", "interface"), ("core function", "core"), ("function", "core"),
               ("consideration", "key"), ("code", "code"), ("implementation", "code"))


def _section_of(line: str) -> str | None:
    """Which CRUX part a heading line opens ("interface", "core", "key", "code"), if any."""
    match = _HEADING.match(line)
    if not match or not (line.lstrip().startswith("#") or line.strip().startswith("**")):
        return None
    title = re.sub(r"^\d+[.)]?\s*", "", match.group(1).replace("*", "")).strip().lower()
    return next((part for word, part in _PART_WORDS if word in title), None)


def _sections(text: str) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        part = _section_of(line)
        if part == "code":
            break
        if part is not None and part not in parts:
            current = part
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    return parts


def _items(lines: list[str]) -> list[str]:
    """Bulleted or numbered items; indented continuation lines join the item above."""
    items: list[str] = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith(("#", "|")):
            continue
        if match := _ITEM.match(line):
            items.append(match.group(1))
        elif items and line[:1] in " \t":
            items[-1] += " " + line.strip()
        else:
            items.append(line.strip())
    return [one_line(item.replace("**", "")) for item in items if item.strip()]


def _build(model, **fields):
    """A Port/Parameter, or None when a loose item does not validate (it is skipped, not fatal)."""
    try:
        return model(**fields)
    except ValueError:
        return None


def _split_description(text: str) -> tuple[str, str]:
    """Split "head: description" / "head - description" (a colon inside [7:0] is no separator)."""
    match = re.search(r":\s|\s[-–—]\s", _RANGE.sub(lambda m: "x" * len(m.group()), text))
    return (text[:match.start()], text[match.end():]) if match else (text, "")


def _width(text: str) -> str:
    """A width expression from "[7:0]", "8-bit", "8 bits", "WIDTH bits" or a bare "8"."""
    text = text.strip()
    if rng := _RANGE.search(text):
        return rng.group()
    if bits := _BITS.search(text):
        return bits.group(1)
    return text if re.fullmatch(r"[\w$()*+\-/ ]+", text) else "1"


def _port(text: str, direction: str | None) -> Port | None:
    head, description = _split_description(text.replace("`", "").replace("**", ""))
    word = re.search(r"\b(input|output|inout)\b", head, re.I)
    direction = word.group(1) if word else direction
    width = "1"
    if rng := _RANGE.search(head):
        width = rng.group()
    elif bits := _BITS.search(head):
        width = bits.group(1)
    names = [w for w in IDENTIFIER.findall(_BITS.sub(" ", _RANGE.sub(" ", head))) if w.lower() not in _NOT_NAMES]
    if not names or direction is None:
        return None
    return _build(Port, name=names[0], direction=direction, width=width, description=description)


def _parameter(text: str) -> Parameter | None:
    head, description = _split_description(text.replace("`", "").replace("**", ""))
    match = re.match(r"\s*(?:parameter\s+)?([A-Za-z_][\w$]*)\s*(?:=\s*(.*?))?\s*(?:\((?:default\s*)?(.*?)\))?\s*$",
                     head, re.I)
    if not match:
        return None
    return _build(Parameter, name=match.group(1), default=match.group(2) or match.group(3) or "",
                  description=description)


def _table_rows(lines: list[str]) -> list[dict[str, str]]:
    """Rows of markdown tables as {column title: cell}; a header is the row above a `|---|` row."""
    rows = [[c.strip().replace("`", "").replace("**", "") for c in l.strip().strip("|").split("|")]
            for l in lines if l.strip().startswith("|")]
    out, header = [], None
    for i, row in enumerate(rows):
        if all(re.fullmatch(r":?-+:?", c) for c in row if c):
            continue
        if i + 1 < len(rows) and all(re.fullmatch(r":?-+:?", c) for c in rows[i + 1] if c):
            header = [h.lower() for h in row]
        elif header is not None:
            out.append(dict(zip(header, row)))
    return out


def _cell(row: dict[str, str], *words: str) -> str:
    return next((v for k, v in row.items() if any(w in k for w in words)), "")


def _interface(lines: list[str]) -> ModuleInterface:
    name, params, ports, mode, direction = None, [], [], "ports", None
    for row in _table_rows(lines):
        if any(w in k for k in row for w in ("dir", "i/o", "type")):
            cell = _cell(row, "name", "port", "signal")
            rng = _RANGE.search(cell)
            ports.append(_build(Port, name=_RANGE.sub("", cell), direction=_cell(row, "dir", "i/o", "type"),
                                width=rng.group() if rng else _width(_cell(row, "width", "size", "bit")),
                                description=_cell(row, "desc", "function", "meaning", "purpose")))
        elif name_cell := _cell(row, "name", "param"):
            params.append(_build(Parameter, name=name_cell, default=_cell(row, "default", "value"),
                                 description=_cell(row, "desc", "meaning", "purpose")))
    for line in lines:
        plain = re.sub(r"^\s*(?:#+|[-*+•]|\d+[.)])?\s*", "", line.replace("*", "").replace("`", ""))
        label = plain.rstrip(":").strip().lower()
        if found := re.match(r"(?:top[- ])?module(?:\s+name)?\s*[:=]?\s*([A-Za-z_][\w$]*)", plain, re.I):
            if name is None and found.group(1).lower() not in ("interface", "name"):
                name = found.group(1)
            continue
        if label in ("parameters", "parameter", "params") or label.startswith("parameters"):
            mode = "params"
        elif label in ("inputs", "input ports", "outputs", "output ports", "ports", "port list", "i/o ports"):
            mode = "ports"
            direction = "input" if label.startswith("input") else "output" if label.startswith("output") else None
        elif item := _ITEM.match(line):
            body = item.group(1)
            if body.strip().lower().rstrip(".") in ("none", "n/a", "no parameters"):
                continue
            if mode == "params" and (param := _parameter(body)):
                params.append(param)
            elif mode == "ports" and (port := _port(body, direction)):
                ports.append(port)
        elif re.match(r"\s*(input|output|inout)\b", plain, re.I) and (port := _port(plain.rstrip(",;"), None)):
            ports.append(port)  # a bare Verilog-style declaration line
    if name is None:
        raise CruxParseError("the Module Interface names no module: add a line 'Module: <name>'")
    return ModuleInterface(module_name=name, parameters=[p for p in params if p], ports=[p for p in ports if p])


def read_loose_crux(text: str) -> Crux:
    """Read CRUX markdown in any of the common layouts; raises CruxParseError naming the missing part."""
    parts = _sections(text)
    for part, heading in (("interface", "## Module Interface"), ("core", "## Core Functions"),
                          ("key", "## Key Considerations")):
        if part not in parts:
            raise CruxParseError(f"no '{heading}' section found: the CRUX needs the sections "
                                 "'## Module Interface', '## Core Functions' and '## Key Considerations'")
    try:
        return Crux(interface=_interface(parts["interface"]), core_functions=_items(parts["core"]),
                    key_considerations=_items(parts["key"]))
    except ValueError as err:
        if isinstance(err, CruxParseError):
            raise
        raise CruxParseError(f"the Module Interface does not validate: {err}") from err


def split_answer(text: str) -> tuple[str, str | None]:
    """(text before the code, last fenced Verilog block after `Code Implementation` or anywhere)."""
    lines = text.splitlines(keepends=True)
    cut = next((i for i, line in enumerate(lines) if _section_of(line) == "code"), None)
    before, after = ("".join(lines[:cut]), "".join(lines[cut:])) if cut is not None else (text, text)
    blocks = list(_FENCE.finditer(after))
    if not blocks:
        return before, None
    if cut is None:
        before = text[:blocks[-1].start()]
    return before, blocks[-1].group(1).strip() + "\n"
