"""`data=jsonl`: test problems from a JSON-lines file, one problem a line (conf/data/jsonl.yaml).

Like a benchmark it only has a test split: `load()` returns `DataSplits(test=problems)`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from crux_program.data.sources.splits import DataSplits, select
from crux_program.errors import UserError, UserPathError
from sim.loaders import instantiated_modules, module_defs
from sim.problem import Problem

# The fields of a JSONL problem line: the first three are required (data.fields maps them to your names).
FIELDS = ("task_id", "spec", "reference", "top", "testbench", "tb_top")


@dataclass
class JsonlData:
    """Problems from a JSONL file, one per line: `task_id`, `spec`, `reference` (golden Verilog) and
    optionally `top` (default: the reference's first module), `testbench`, `tb_top`.

    Without a testbench a problem is scored in differential mode against its reference (sim/).
    Field names can be remapped with `fields` (e.g. {spec: instruction, reference: output}).
    """

    name: str
    path: str
    limit: int | None = None
    task_ids: list[str] | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def load(self) -> DataSplits:
        path = Path(self.path).expanduser()
        if not path.is_file():
            raise UserPathError(f"JSONL problems file {path} not found: pass data.path=/path/to/problems.jsonl")
        unknown = sorted(set(self.fields) - set(FIELDS))
        if unknown:
            raise UserError(f"data.fields: unknown field(s) {unknown}; the fields are {list(FIELDS)}")
        problems = []
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{lineno}: not a JSON object ({exc.msg} at column {exc.colno}); each line "
                                "must be one JSON object such as {\"task_id\": ..., \"spec\": ..., "
                                "\"reference\": ...}") from None
            if not isinstance(row, dict):
                raise UserError(f"{path}:{lineno}: a JSON {type(row).__name__}, not an object with task_id, spec "
                                "and reference")
            problems.append(self._problem(row, f"{path}:{lineno}"))
        return DataSplits(test=select(problems, list(self.task_ids or []), self.limit))

    def _problem(self, row: dict, where: str) -> Problem:
        def name(key: str) -> str:
            return self.fields.get(key) or key  # null in conf/data/jsonl.yaml: the same name

        def get(key: str, default=None):
            return row.get(name(key), default)

        missing = [k for k in FIELDS[:3] if get(k) is None]
        if missing:
            fixes = " ".join(f"data.fields.{k}=NAME" for k in missing)
            raise UserError(f"{where}: missing field(s) {[name(k) for k in missing]} (the line has {sorted(row)[:8]}); if "
                            f"your file names them otherwise, map them: {fixes}")
        reference = get("reference")
        used = set(instantiated_modules(reference))
        roots = [m for m in module_defs(reference) if m not in used]  # the top is the module nobody instantiates
        top = get("top") or (roots[0] if len(roots) == 1 else None)
        if top is None:
            raise UserError(f"{where}: cannot tell the top module of the reference (candidates {roots}); "
                            "add a `top` field to the line (or map one: data.fields.top=NAME)")
        return Problem(task_id=str(get("task_id")), spec=get("spec"), reference=reference, top=top,
                       testbench=get("testbench"), tb_top=get("tb_top"), source="jsonl")
