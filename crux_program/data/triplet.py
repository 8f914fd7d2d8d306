"""Triplet: one (spec, CRUX, Verilog) training example, the typed value every data path produces.

Synthetic curricula, user corpora and distillation all write Triplets as JSONL (one JSON object per line,
the CRUX as its pydantic dump); `.problem()` turns one into a `sim.problem.Problem` and `.to_example()`
into the `dspy.Example` the program and the compilers consume.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Literal

from pydantic import BaseModel

from crux_program.crux import Crux
from sim.problem import Problem

Level = Literal["easy", "special", "normal"]
Split = Literal["train", "val", "test_seen", "test_unseen"]
LEVELS: tuple[str, ...] = ("easy", "special", "normal")
SPLITS: tuple[str, ...] = ("train", "val", "test_seen", "test_unseen")

_MODULE = re.compile(r"^\s*module\s+([A-Za-z_][A-Za-z0-9_$]*)", re.MULTILINE)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def module_names(verilog: str) -> list[str]:
    """Module names declared in `verilog`, in source order (comments ignored)."""
    return _MODULE.findall(_COMMENT.sub("", verilog))


def top_module(verilog: str) -> str:
    """The top module: the last declared module that no other module instantiates.

    Raises ValueError when the source declares no module, so callers can drop the example.
    """
    names = module_names(verilog)
    if not names:
        raise ValueError("no `module` declaration found in the reference Verilog; check the code field")
    body = _COMMENT.sub("", verilog)
    used = {n for n in names if len(re.findall(rf"\b{re.escape(n)}\b", body)) > 1}
    roots = [n for n in names if n not in used]
    return roots[-1] if roots else names[-1]


class Triplet(BaseModel):
    """One training example.

    task_id: unique id (`syn/counter/00042`, `jsonl/codev/17`).
    spec: natural-language specification at its degradation `level`.
    verilog: golden reference module (the differential judge compares candidates to it).
    crux: gold or distilled CRUX, None when not (yet) known.
    family: design family for synthetic data, or None.
    level: "easy" (interface listed), "special" (partial interface), "normal" (prose only).
    split: "train", "val", "test_seen" (seen family, unseen parameters) or "test_unseen" (unseen family).
    provenance: where it came from and how its CRUX was obtained (`synthetic:seed=0`, `jsonl:file#line`...).
    testbench: optional official testbench; without one the judge runs in differential mode.
    self_check: the reference's differential self-check verdict ("pass", or the failing status) when one was
        run on its own; None when not known. A reference that did not pass cannot reward GRPO: its example
        says `rewardable=False`.
    """

    task_id: str
    spec: str
    verilog: str
    crux: Crux | None = None
    family: str | None = None
    level: Level = "easy"
    split: Split = "train"
    provenance: str = ""
    testbench: str | None = None
    self_check: str | None = None

    @property
    def top(self) -> str:
        """Module name the candidate must define (the reference's top module)."""
        return top_module(self.verilog)

    def problem(self, source: str | None = None) -> Problem:
        """The judge's view: reference = verilog, no testbench -> differential mode."""
        from sim.loaders import testbench_top

        src = source or self.provenance.split(":", 1)[0] or "custom"
        tb_top = (testbench_top(self.testbench) or "tb") if self.testbench else None
        return Problem(task_id=self.task_id, spec=self.spec, reference=self.verilog, top=self.top,
                       testbench=self.testbench, tb_top=tb_top, source=src)

    def to_example(self):
        """The `dspy.Example` used everywhere (inputs: spec)."""
        import dspy  # imported here: data generation must not pay DSPy's import time

        # only set when a self-check ran, so examples (and the digests keyed on them) stay as they were elsewhere
        extra = {} if self.self_check is None else {"rewardable": self.self_check == "pass"}
        return dspy.Example(task_id=self.task_id, spec=self.spec, problem=self.problem(), crux=self.crux,
                            verilog=self.verilog, family=self.family, level=self.level,
                            split=self.split, **extra).with_inputs("spec")


def write_jsonl(path: str | Path, triplets: Iterable[Triplet]) -> int:
    """Write triplets one per line (parent folders created); returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for t in triplets:
            # self_check is written only when known: files without one stay byte-identical to older builds
            f.write(t.model_dump_json(exclude={"self_check"} if t.self_check is None else None) + "\n")
            n += 1
    return n


def read_jsonl(path: str | Path) -> list[Triplet]:
    """Read triplets written by `write_jsonl`; a bad line raises with its line number."""
    out: list[Triplet] = []
    with Path(path).open(encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(Triplet.model_validate(json.loads(line)))
            except Exception as exc:  # noqa: BLE001 - re-raised with the location
                raise ValueError(f"{path}:{i}: not a Triplet ({exc}); was it written by write_jsonl?") from exc
    return out


def load_split(folder: str | Path, split: str) -> list[Triplet]:
    """Triplets of one split from a dataset folder written by `make_dataset` (`<folder>/<split>.jsonl`)."""
    path = Path(folder) / f"{split}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; build the dataset first: python -m crux_program.data --out {folder}")
    return read_jsonl(path)
