"""Load a user corpus (JSONL of spec/code pairs, CodeV-style or similar) into Triplets.

Each line is a JSON object; the field names are configurable (the first present, non-empty one wins).
An example is dropped, and counted under one reason, when: the line is not JSON (`bad_json`), the spec or
the code is missing (`missing_spec`, `missing_code`), the code holds no module (`no_module`), its id was
seen before (`duplicate_id`), the same spec and code were seen before (`duplicate_content`), the CRUX
field cannot be read (`bad_crux`), or the reference does not compile (`compile_error`).
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crux_program.crux import Crux
from crux_program.data.degrade import degrade_spec, detect_level
from crux_program.data.triplet import LEVELS, Triplet, top_module
from crux_program.data.verify import SelfCheckConfig, self_check


@dataclass
class CorpusConfig:
    """How to read one JSONL corpus.

    spec_fields / code_fields: candidate field names for the spec and the reference code, in order.
    crux_field / testbench_field / id_field: optional fields (a CRUX as JSON object or markdown).
    rename_top: rename every reference's top module (code, spec and CRUX) to this name, e.g. "TopModule";
        None keeps each module's own name.
    level: "keep" (record what the spec is: easy if it lists ports, else normal), a fixed level, or "mix"
        (one level drawn per example); degradation is applied as a text transform.
    check: how references are checked before they are kept ("compile" = iverilog, "differential" = sim/).
    split: split recorded on every kept example.
    """

    path: str
    spec_fields: list[str] = field(default_factory=lambda: ["spec", "instruction", "prompt", "description"])
    code_fields: list[str] = field(default_factory=lambda: ["code", "output", "verilog", "response"])
    crux_field: str = "crux"
    testbench_field: str = "testbench"
    id_field: str = "task_id"
    name: str | None = None
    rename_top: str | None = None
    level: str = "keep"
    check: str = "compile"
    split: str = "train"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.level not in ("keep", "mix") + LEVELS:
            raise ValueError(f"CorpusConfig.level={self.level!r}: use 'keep', 'mix' or one of {LEVELS}")


@dataclass
class CorpusResult:
    """Kept triplets and why the others were dropped."""

    kept: list[Triplet]
    dropped: Counter
    lines: int

    def report(self) -> str:
        """One line per drop reason, most frequent first."""
        parts = [f"read {self.lines} lines, kept {len(self.kept)}, dropped {sum(self.dropped.values())}"]
        parts += [f"  {reason}: {n}" for reason, n in self.dropped.most_common()]
        return "\n".join(parts)


def _first(row: dict, names: list[str]) -> str | None:
    for name in names:
        value = row.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _read_crux(value: object) -> Crux:
    if isinstance(value, dict):
        return Crux.model_validate(value)
    if isinstance(value, str):
        text = value.strip()
        return Crux.model_validate_json(text) if text.startswith("{") else Crux.from_markdown(text)
    raise ValueError(f"CRUX field of type {type(value).__name__}: give a JSON object or markdown text")


def rename_module(text: str, old: str, new: str) -> str:
    """Replace the identifier `old` by `new` wherever it stands as a whole word."""
    return re.sub(rf"(?<![A-Za-z0-9_$]){re.escape(old)}(?![A-Za-z0-9_$])", new, text)


def rename_in_spec(spec: str, old: str, new: str) -> str:
    """Rename the module where the spec names it as code (`` `old` ``, ``module old``), not the plain word:
    a module called `counter` must not turn "a counter" into "a TopModule". A spec that then never names
    the module gets a closing sentence that does."""
    spec = re.sub(rf"`{re.escape(old)}`", f"`{new}`", spec)
    spec = re.sub(rf"\bmodule\s+{re.escape(old)}(?![A-Za-z0-9_$])", f"module {new}", spec)
    if new not in spec:
        spec = spec.rstrip() + f"\n\nName the module `{new}`.\n"
    return spec


def _code(raw: str) -> str | None:
    from sim.extract import extract_code

    return extract_code(raw)


def _parse_rows(cfg: CorpusConfig, dropped: Counter) -> tuple[list[Triplet], int]:
    name = cfg.name or Path(cfg.path).stem
    rng = random.Random(cfg.seed)
    seen_ids: set[str] = set()
    seen_content: set[tuple[str, str]] = set()
    out: list[Triplet] = []
    lines = Path(cfg.path).read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            assert isinstance(row, dict)
        except (json.JSONDecodeError, AssertionError):
            dropped["bad_json"] += 1
            continue
        spec, raw = _first(row, cfg.spec_fields), _first(row, cfg.code_fields)
        if spec is None or raw is None:
            dropped["missing_spec" if spec is None else "missing_code"] += 1
            continue
        code = _code(raw)
        try:
            top = top_module(code or "")
        except ValueError:
            dropped["no_module"] += 1
            continue
        task_id = str(row.get(cfg.id_field) or row.get("id") or f"{name}/{n}")
        if task_id in seen_ids:
            dropped["duplicate_id"] += 1
            continue
        if (spec, code) in seen_content:
            dropped["duplicate_content"] += 1
            continue
        crux = None
        if row.get(cfg.crux_field) is not None:
            try:
                crux = _read_crux(row[cfg.crux_field])
            except Exception:  # noqa: BLE001 - any unreadable CRUX is one drop reason
                dropped["bad_crux"] += 1
                continue
        seen_ids.add(task_id)
        seen_content.add((spec, code))
        tb = row.get(cfg.testbench_field)
        tb = tb if isinstance(tb, str) else None
        if cfg.rename_top and cfg.rename_top != top:
            code, spec = rename_module(code, top, cfg.rename_top), rename_in_spec(spec, top, cfg.rename_top)
            tb = rename_module(tb, top, cfg.rename_top) if tb else tb  # it instantiates the module by name
            if crux is not None:
                crux.interface.module_name = cfg.rename_top
        level = detect_level(spec)
        if cfg.level != "keep" and level == "easy":
            level = rng.choice(LEVELS) if cfg.level == "mix" else cfg.level
            spec = degrade_spec(spec, level, rng)
        out.append(Triplet(task_id=task_id, spec=spec, verilog=code, crux=crux, level=level, split=cfg.split,
                           provenance=f"jsonl:{cfg.path}#{n}", testbench=tb))
    return out, len(lines)


def load_corpus(cfg: CorpusConfig, check: SelfCheckConfig | None = None) -> CorpusResult:
    """Read, clean, rename, degrade and compile-check a user corpus."""
    dropped: Counter = Counter()
    rows, lines = _parse_rows(cfg, dropped)
    verdicts = self_check([t.verilog for t in rows], check or SelfCheckConfig(mode=cfg.check))
    kept = []
    for t, v in zip(rows, verdicts):
        if v.passed:
            kept.append(t)
        elif v.status in ("compile_error", "syntax_error", "no_code"):
            dropped["compile_error"] += 1
        else:  # differential self-check: compiled, but it times out or is not deterministic
            dropped[f"selfcheck_{v.status}"] += 1
    return CorpusResult(kept=kept, dropped=dropped, lines=lines)
