"""The candidate as the simulator will see it: Icarus' own preprocessor, run jailed and bounded.

Everything that judges a candidate statically (the allowlist screen, the pyslang gate, the RTLLM output silencer)
reads this text, and the simulator compiles this text, so no macro, `` `ifdef __ICARUS__ `` branch or unterminated
comment can show the screen one design and the compiler another. `iverilog -E` defines `__ICARUS__` as a real
compile does. The preprocessor runs in the sandbox like any simulator step, in a folder holding only the
candidate (an `` `include `` finds nothing of the testbench's), under the wall timeout and a size cap on its
output, so a macro that expands exponentially costs at most its timeout and fails closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.config import SimConfig
from sim.isolation import writable_dir
from sim.result import Status
from sim.sandbox import run_sandboxed

PREPROCESSED_MB = 1  # the expanded text may be at most this large (an honest design is a few kB)


@dataclass(frozen=True)
class Preprocessed:
    """The expanded text, or why there is none (`status`, with the preprocessor's log)."""

    text: str | None
    log: str = ""
    status: Status | None = None

    @property
    def ok(self) -> bool:
        return self.text is not None


def preprocess(code: str, config: SimConfig, workdir: Path) -> Preprocessed:
    """Expand `code` with `iverilog -E` in `workdir/pre` (created here)."""
    folder = writable_dir(Path(workdir) / "pre")
    (folder / "cand.sv").write_text(code)
    tools = config.icarus
    res = run_sandboxed([str(tools.iverilog), "-E", "-o", "cand.pre.sv", "cand.sv"], folder, config.timeout_s,
                        memory_mb=config.memory_mb, max_output_bytes=config.max_output_bytes,
                        max_file_mb=PREPROCESSED_MB, isolation=config.isolation, tools=tools.jail_paths)
    out = folder / "cand.pre.sv"
    if res.timed_out:
        return Preprocessed(None, res.output + "\nTIMEOUT (preprocessor)\n", Status.TIMEOUT)
    if res.output_capped or res.returncode != 0 or not out.is_file():
        why = res.output.strip() or f"the preprocessor failed (exit status {res.returncode})"
        if res.returncode is not None and res.returncode < 0 or "File size limit" in res.output:
            why += f"\nthe expanded text is larger than {PREPROCESSED_MB} MB (a macro that expands without bound?)"
        status = Status.SYNTAX_ERROR if "syntax error" in why.lower() else Status.COMPILE_ERROR
        return Preprocessed(None, why, status)
    return Preprocessed(out.read_text(errors="replace"), res.output)
