"""Self-check of references through sim/: a reference is kept only if it passes against itself.

Differential mode compiles the reference next to a renamed copy of itself and drives both with the same
random stimulus (sim/ differential), so a kept reference is known to parse, elaborate, simulate without
hanging and be deterministic: exactly what every later differential judgement relies on.

Cost control: references that differ only by a consistent renaming of identifiers (the curriculum varies
module and port names freely) have the same `canonical_form`; one simulation per form is enough, because a
bijective renaming cannot change behaviour. Every reference still passes the pyslang gate on its own text
(a name that happens to be a keyword fails there). All simulations go through one `Verifier.check_many`.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Sequence

from crux_program.data.triplet import top_module
from sim.fingerprint import digest_text

CHECK_MODES = ("differential", "compile", "none")
_TOKEN = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_$]*|\d+'[sS]?[bBoOdDhH][0-9a-fA-F_xXzZ]+|\d+|//[^\n]*|/\*.*?\*/|\S",
                    re.DOTALL)
# Verilog-2005 and SystemVerilog words that may appear in references; they are never renamed.
_KEYWORDS = frozenset("""
always always_comb always_ff always_latch and assign automatic begin bit buf byte case casex casez default
defparam disable else end endcase endfunction endgenerate endmodule endtask enum for forever function generate
genvar if initial inout input int integer localparam logic module nand negedge nor not or output parameter
posedge reg repeat signed supply0 supply1 task tri typedef unsigned wait while wire xnor xor
""".split())


def canonical_form(verilog: str) -> str:
    """The token stream with identifiers numbered by first use: equal forms = same design up to renaming."""
    names: dict[str, str] = {}
    out = []
    for tok in _TOKEN.findall(verilog):
        if tok.startswith(("//", "/*")):
            continue
        if (tok[0].isalpha() or tok[0] == "_") and tok not in _KEYWORDS:
            tok = names.setdefault(tok, f"id{len(names)}")
        out.append(tok)
    return " ".join(out)


@dataclass(frozen=True)
class SelfCheck:
    """Verdict on one reference text."""

    passed: bool
    status: str  # sim Status value, "compile_error"/"pass" in compile mode, "skipped" in mode none
    feedback: str = ""


@dataclass(frozen=True)
class SelfCheckConfig:
    """How references are checked.

    mode: "differential" (through sim.core.Verifier), "compile" (one jailed iverilog compile each,
        `sim.compile_check`, for quick iteration),
        or "none" (trust the generator; never for datasets you publish).
    jobs: worker processes (0 = all cores). diff_cycles: random cycles per self-simulation.
    timeout_s: wall-clock limit of one simulation.
    cache_dir: a folder for sim/'s on-disk verdict cache, so an interrupted check resumes where it stopped
        (None: no disk cache).
    """

    mode: str = "differential"
    jobs: int = 0
    diff_cycles: int = 200
    timeout_s: float = 30.0
    cache_dir: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in CHECK_MODES:
            raise ValueError(f"SelfCheckConfig.mode={self.mode!r}: choose one of {CHECK_MODES}")


def _iverilog_compile(verilog: str, cfg: SelfCheckConfig) -> SelfCheck:
    from sim.compile_check import compile_check
    from sim.config import SimConfig

    check = compile_check(verilog, SimConfig(timeout_s=cfg.timeout_s))
    return SelfCheck(True, "pass") if check.ok else SelfCheck(False, "compile_error", check.log)


def _gate(text: str) -> SelfCheck | None:
    """None when the text parses and elaborates on its own (pyslang, ~1 ms); else the failing verdict."""
    from sim.interface import VerilogParseError, module_io

    try:
        module_io(text, top_module(text))
    except (VerilogParseError, ValueError) as exc:
        return SelfCheck(False, "syntax_error", str(exc)[:300])
    return None


def _differential(texts: list[str], cfg: SelfCheckConfig, progress: bool) -> list[SelfCheck]:
    from sim.config import SimConfig
    from sim.core import Verifier
    from sim.problem import Problem

    out: list[SelfCheck | None] = [_gate(t) for t in texts]
    forms = [canonical_form(t) for t in texts]
    representative: dict[str, int] = {}
    for i, form in enumerate(forms):
        if out[i] is None:
            representative.setdefault(form, i)
    # ids from the content, so a verdict cache (cfg.cache_dir) finds a design again in another batch
    items = [(Problem(task_id=f"selfcheck/{digest_text(texts[i], length=16, algorithm='sha1')}", spec="",
                      reference=texts[i], top=top_module(texts[i]), source="selfcheck"), texts[i])
             for i in representative.values()]
    sim_cfg = SimConfig(mode="differential", jobs=cfg.jobs, diff_cycles=cfg.diff_cycles, timeout_s=cfg.timeout_s,
                        cache_dir=cfg.cache_dir)
    with Verifier(sim_cfg) as verifier:
        results = verifier.check_many(items, progress=progress)
    by_form = {form: SelfCheck(r.passed, r.status.value, r.feedback) for form, r in zip(representative, results)}
    return [o if o is not None else by_form[f] for o, f in zip(out, forms)]


def self_check(references: Sequence[str], cfg: SelfCheckConfig = SelfCheckConfig(),
               progress: bool = False) -> list[SelfCheck]:
    """One verdict per reference (input order); identical texts are simulated once."""
    unique = list(dict.fromkeys(references))
    if cfg.mode == "none":
        verdicts = [SelfCheck(True, "skipped") for _ in unique]
    elif cfg.mode == "compile":
        verdicts = [_iverilog_compile(t, cfg) for t in unique]
    else:
        verdicts = _differential(unique, cfg, progress)
    by_text = dict(zip(unique, verdicts))
    return [by_text[t] for t in references]


@dataclass(frozen=True)
class CheckTiming:
    """How long a self-check batch took: distinct texts, distinct forms (= simulations), seconds."""

    references: int
    simulated: int
    seconds: float


def timed_self_check(references: Sequence[str], cfg: SelfCheckConfig,
                     progress: bool = False) -> tuple[list[SelfCheck], CheckTiming]:
    """`self_check` plus its wall time and the number of distinct texts checked."""
    start = time.perf_counter()
    verdicts = self_check(references, cfg, progress)
    simulated = len({canonical_form(t) for t in references}) if cfg.mode == "differential" else 0
    return verdicts, CheckTiming(len(set(references)), simulated, time.perf_counter() - start)
