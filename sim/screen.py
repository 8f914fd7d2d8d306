"""A cheap static screen for candidate code that would reach outside its simulation folder.

Icarus' file system tasks (`$fopen`, `$readmemh`, `$writememh`, `$dumpfile`, ...) and `` `include `` take
paths as written, so a candidate could read `/etc/passwd` or write anywhere the user can. The run folder and
rlimits cannot stop that, so candidate code (never the trusted testbench) is screened before simulation:
a path must be a plain relative string literal without `..`; a computed path cannot be checked and is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_FILE_TASKS = ("fopen", "fopenr", "fopenw", "fopena", "readmemh", "readmemb", "writememh", "writememb",
               "dumpfile", "sreadmemh", "sreadmemb", "fread")
# $fread's first argument is a target, not a path; it needs an fd from $fopen, which is screened.
_PATH_FIRST = [t for t in _FILE_TASKS if t != "fread"]
_TASK_CALL = re.compile(r"\$(" + "|".join(_PATH_FIRST) + r")\s*\(\s*([^,)]*)")
_INCLUDE = re.compile(r"`include\s*([\"<][^\">]*[\">])?")
_FORBIDDEN = re.compile(r"\$(system|ivl_|vpi_)\w*")
# Strings are matched together with comments so that a "/*" inside a string cannot hide code.
_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)


@dataclass(frozen=True)
class ScreenVerdict:
    """ok, or the reason the candidate was refused."""

    ok: bool
    reason: str = ""


def _safe_literal(arg: str) -> bool:
    arg = arg.strip()
    if not (len(arg) >= 2 and arg[0] == '"' and arg[-1] == '"'):
        return False  # computed path: cannot be checked statically
    path = arg[1:-1]
    return bool(path) and not path.startswith(("/", "~", "\\")) and ".." not in path and ":" not in path and "\\" not in path


def screen(code: str) -> ScreenVerdict:
    """Check candidate code for file access outside the simulation folder."""
    code = _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", code)
    for m in _TASK_CALL.finditer(code):
        if not _safe_literal(m.group(2)):
            return ScreenVerdict(False, f"${m.group(1)}({m.group(2).strip()}): only plain relative file names "
                                        f"are allowed inside the simulation folder")
    for m in _INCLUDE.finditer(code):
        target = m.group(1) or ""
        if not (target.startswith('"') and _safe_literal(target)):
            return ScreenVerdict(False, f"`include {target}: only plain relative file names are allowed")
    bad = _FORBIDDEN.search(code)
    if bad:
        return ScreenVerdict(False, f"{bad.group(0)}: system task not allowed in candidate code")
    return ScreenVerdict(True)
