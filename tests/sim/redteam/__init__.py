"""The red-team corpus (one module per kind of attack, re-exported here): candidate Verilog written to pass without earning it, escape its run folder, harm the
other members of its group, or stall the judge.

Each case is a template for one attack in one spelling; `materialise` fills it in for one target problem:
- `@HEADER@` / `@WRONG@`: the target's module line, and logic that drives every output with a wrong constant
  (so that any pass is unearned);
- `@TMP@`: a host path under /tmp that the attack tries to create (`/tmp/redteam_<token>_<case>`; `@TMPBITS@`
  the same as a number, `@CLIMB@` the same reached from the run folder by `../` steps), `@HARNESS@` a canary
  file outside /tmp that stands for the project's own harness code, `@OUTSIDE@` the canary folder holding it,
  `@CASE@` the case name;
- `@VERDICT@`: the verdict text of the target's trusted side as a sized hex number (no string literal a word
  list could see); `@MISMATCHES@` the key of a differential results file, likewise.

Targets: VerilogEval `Prob034_dff8` (testbench mode), RTLLM `traffic_light` (its testbench prints `%t`, which
`$timeformat` can extend), and `Prob034_dff8` judged in differential mode. Completions are fenced (```verilog)
so that extraction keeps text after the last `endmodule` (an unterminated comment, a directive).

`STALLS` are judged one per child process with a memory limit (`stall_completion`): they attack the
in-process parts of the judge (the pyslang gate, the regex screens, extraction), which must cost at most
their timeout. `stall_completion` also builds `include_environment`, judged the same way (its verdict may
quote nothing of the judge's environment).

Mechanisms: escape, verdict (forged verdict text or results), stream (a file or comment that swallows or
replaces trusted code), end_simulation, hierarchical (names reaching trusted state), reference, drive_input,
stimulus (steering what the testbench draws), directive, harness_task, blame, unit_scope; the honest controls
and `STEERING` are in `controls`.
"""
from __future__ import annotations

from tests.sim.redteam.base import (
    ALL_MODES, CLOCKED, Case, DIFFERENTIAL, NON_PASS, NON_PASS_OR_TIMEOUT, Paths, RTLLM, SECRET_MARK, TARGETS,
    Target, VERILOG_EVAL, design, materialise
)
from tests.sim.redteam.escapes import ESCAPES
from tests.sim.redteam.verilog_eval_passes import VERILOG_EVAL_PASSES
from tests.sim.redteam.rtllm_passes import RTLLM_PASSES
from tests.sim.redteam.differential_passes import DIFFERENTIAL_PASSES
from tests.sim.redteam.controls import (
    DEBUG_PRINT, HALF_WRONG, HONEST_DOTTED, HONEST_SV, HONEST_SV_TWIN, LIMIT_DOTTED, STEERING, fenced,
    with_debug_print, with_unit_typedef
)
from tests.sim.redteam.stalls import STALLS, stall_completion


def cases_for(mode: str) -> list[Case]:
    """Every case that targets `mode`."""
    pool = ESCAPES + VERILOG_EVAL_PASSES + RTLLM_PASSES + DIFFERENTIAL_PASSES
    return [c for c in pool if mode in c.modes]
