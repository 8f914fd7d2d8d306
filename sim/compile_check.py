"""Does a Verilog text compile? One jailed `iverilog` run, for checks that need no simulation.

The curriculum's and corpus's quick self-check (`check: compile`) asks only this. It goes through the same
sandbox as every verdict (own folder, process group, wall timeout, memory, file and output caps, the jail) and
the configured Icarus build (`SimConfig.iverilog`), not an `iverilog` found on PATH.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import SimConfig
from sim.sandbox import SimDir, run_sandboxed


@dataclass(frozen=True)
class CompileCheck:
    """ok: iverilog built the design within its limits; log: what it printed (at most 300 characters)."""

    ok: bool
    log: str


def compile_check(verilog: str, config: SimConfig = SimConfig()) -> CompileCheck:
    """Compile `verilog` alone (`iverilog -g2012`) in a fresh jailed folder; never raises on the text."""
    tools = config.icarus
    with SimDir(prefix="compile_check_") as folder:
        (folder / "design.v").write_text(verilog, encoding="utf-8")
        run = run_sandboxed([str(tools.iverilog), "-g2012", "-o", "design.vvp", "design.v"], folder,
                            config.timeout_s, memory_mb=config.memory_mb, max_output_bytes=config.max_output_bytes,
                            max_file_mb=config.max_file_mb, isolation=config.isolation, tools=tools.jail_paths)
        ok = (run.returncode == 0 and not run.timed_out and not run.output_capped
              and (folder / "design.vvp").is_file())
    log = run.output.strip() + ("\nTIMEOUT (compile)" if run.timed_out else "")
    return CompileCheck(ok, log.strip()[:300])
