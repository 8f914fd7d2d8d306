"""A cheap static screen for candidate code that would reach outside its simulation or fake a verdict.

Icarus' file system tasks (`$fopen`, `$readmemh`, `$writememh`, ...) and `` `include `` take paths as written, so
a candidate could read `/etc/passwd` or write anywhere the user can; the run folder and rlimits cannot stop that.
Inside the run folder they are no better: it holds the testbench's own data (RTLLM testbenches read their expected
values from files there), which a candidate could read back as its answers or overwrite with them. Spec-to-RTL
answers ship no files, so candidate code (never the trusted testbench) may not read, write or include any.
`$dumpfile` alone stays, with a plain relative path literal. A task named in a macro (`` `define F $fopen ``)
is caught like a call; token pasting (``` `` ```) could assemble a name from pieces, so it is refused.

A candidate is also refused when it could decide its own verdict rather than earn it, which matters most where
its score is a training reward:
- a hierarchical name (`tb.stats1.errors`, `diff_top.err_0`; upward references resolve too) or `$root`: the
  testbench's and the differential harness's counters are reachable that way;
- `force` / `release` / `$deposit` on anything;
- a string literal holding a verdict text (`Mismatches:` of VerilogEval, `pass` of RTLLM's rule).
Answers to spec-to-RTL problems need none of these (a reference into a generate block, `g[0].x`, is allowed:
its first name is indexed, and neither testbenches nor the differential harness have instance arrays).

A candidate may not end the simulation either (`$finish`, `$stop`, `$fatal`): VerilogEval's testbenches print
their verdict line from a `final` block, so a candidate that stops the run at time 0 reads "Mismatches: 0 in 0
samples", a pass under the official rule, and one that stops it early is judged on the few samples before.
Hardware never ends a simulation; a testbench does.

Where the verdict is read from the output text (RTLLM's rule: `pass` anywhere in it), the judge removes the
candidate's output calls before the screen sees it (`sim.silence`): a string literal can be screened, but
`$display(fmt, s)` with `fmt` and `s` built from numbers prints "pass" all the same. The verdict-word rule stays
as a second line of defence (vvp quotes file names in its own messages; file tasks are refused anyway). vvp also
quotes scope names (`Scope: testbench.uut.Pass` after a failing `assert`), which no screen can forbid; the RTLLM
rule itself (`sim.rtllm.passed_text`) wants the testbench's own pass sentence, which a name cannot spell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Candidate code may not touch files at all: the run folder holds the testbench's own data (RTLLM testbenches
# `$readmemh("reference.txt", ...)` their expected values), which a candidate could read back as its answers or
# overwrite with them. Spec-to-RTL answers ship no data files, so no honest answer needs one. The `$fd*` tasks
# need a descriptor from `$fopen`; `$fgetc(STDIN)` reads the sandbox's /dev/null.
_FILE_TASK = re.compile(r"\$(fopen\w*|s?readmem[hb]|writemem[hb]|fread|fscanf|fgets|fgetc|ungetc)(?![\w$])")
# $dumpfile stays (some answers dump waves; under RTLLM's rule the judge removes it with the output calls), with
# a plain relative path, called where it is named.
_DUMPFILE_CALL = re.compile(r"\$dumpfile\s*\(\s*([^,)]*)")
_DUMPFILE_NAME = re.compile(r"\$dumpfile\b(?!\s*\()")
_INCLUDE = re.compile(r"`include\b")
_FORBIDDEN = re.compile(r"\$(system|ivl_|vpi_|root\b|deposit\b)\w*")
_TOKEN_PASTE = re.compile(r"``")
_FORCE = re.compile(r"(?<![\w$])(force|release)(?![\w$])")
# name.name outside strings, comments and numbers: the first name must not follow a word character, `$`, `'`
# (a based number) or `.` (a named port connection is `.port(sig)`, preceded by `(` or `,`)
_HIERARCHICAL = re.compile(r"(?<![\w$'.])([A-Za-z_][\w$]*|\\\S+\s)\s*\.\s*[A-Za-z_\\]")
_SIM_CONTROL = re.compile(r"\$(finish|stop|fatal|exit)(?![\w$])")
_VERDICT_TEXT = re.compile(r"mismatches|pass", re.IGNORECASE)
_STRING_PATTERN = r'"(?:\\.|[^"\\\n])*"'
_STRING = re.compile(_STRING_PATTERN)
# Strings are matched together with comments so that a "/*" inside a string cannot hide code.
STRING_OR_COMMENT = re.compile(_STRING_PATTERN + r'|//[^\n]*|/\*.*?\*/', re.DOTALL)


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


def _file_access(code: str) -> str | None:
    """Why `code` (comments blanked, strings kept) could touch a file; None if it cannot."""
    m = _FILE_TASK.search(code)
    if m:
        return (f"{m.group(0)}: candidate code must not read or write files (the run folder holds the "
                "testbench's own data, such as its expected values)")
    for m in _DUMPFILE_CALL.finditer(code):
        if not _safe_literal(m.group(1)):
            return f"$dumpfile({m.group(1).strip()}): only a plain relative file name is allowed"
    bare = _DUMPFILE_NAME.search(code)
    if bare:
        return f"{bare.group(0)} named without a direct call (in a macro?): it must be called where named"
    if _TOKEN_PASTE.search(code):
        return "`` token pasting is not allowed in candidate code (it can assemble system task names)"
    if _INCLUDE.search(code):
        return "`include: candidate code must be self-contained (the run folder holds the testbench's files)"
    return None


def _verdict_tampering(code: str, bare: str) -> str | None:
    """Why `code` could set its own verdict; `bare` is `code` with strings and comments blanked."""
    for pattern, what in ((_FORCE, "force/release is not allowed in candidate code"),
                          (_SIM_CONTROL, "candidate code must not end the simulation (the testbench decides when "
                                         "it is over)"),
                          (_HIERARCHICAL, "hierarchical names are not allowed in candidate code (they reach "
                                          "the testbench's state)")):
        m = pattern.search(bare)
        if m:
            return f"{m.group(0).strip()}: {what}"
    for m in _STRING.finditer(code):
        if _VERDICT_TEXT.search(m.group(0)):
            return f"{m.group(0)}: a string with a verdict word (Mismatches / pass) is not allowed in candidate code"
    return None


def screen(code: str) -> ScreenVerdict:
    """Check candidate code for file access outside the simulation folder and for verdict tampering."""
    kept = STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", code)
    reason = _file_access(kept)
    if reason is None:
        bad = _FORBIDDEN.search(kept)
        if bad:
            reason = f"{bad.group(0)}: system task not allowed in candidate code"
    if reason is None:
        bare = _STRING.sub('""', kept)
        reason = _verdict_tampering(kept, bare)
    return ScreenVerdict(False, reason) if reason else ScreenVerdict(True)

