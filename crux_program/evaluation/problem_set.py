"""Where evaluation problems (and, for data sources that have them, training examples) come from.

A data source is a typed value with `load() -> DataSplits`; Hydra's `data=` group builds one
(`_target_: crux_program.evaluation.problem_set.BenchmarkData` ...). Benchmarks only have a test split;
training data sources (the synthetic curriculum, user corpora) fill train/val as well and plug in the same way.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import dspy

from crux_program.errors import UserError, UserPathError
from sim.loaders import instantiated_modules, is_code_complete_folder, load_problems, module_defs
from sim.problem import Problem

# The fields of a JSONL problem line: the first three are required (data.fields maps them to your names).
FIELDS = ("task_id", "spec", "reference", "top", "testbench", "tb_top")


@dataclass
class DataSplits:
    """train/val: examples a compiler learns from; test: the problems an evaluation scores."""

    train: list[dspy.Example] = field(default_factory=list)
    val: list[dspy.Example] = field(default_factory=list)
    test: list[Problem] = field(default_factory=list)


class DataSource(Protocol):
    """What `data=` configs instantiate: anything that loads DataSplits."""

    name: str

    def load(self) -> DataSplits: ...


def select(problems: list[Problem], task_ids: list[str] | None, limit: int | None) -> list[Problem]:
    """Keep the named task ids (in the given order), then the first `limit`; unknown ids are an error."""
    if task_ids:
        by_id = {p.task_id: p for p in problems}
        missing = [t for t in task_ids if t not in by_id]
        if missing:
            raise UserError(f"data.task_ids: unknown task ids {missing[:5]}; ids look like {list(by_id)[:3]}")
        problems = [by_id[t] for t in task_ids]
    if limit is not None:
        if limit < 1:
            raise UserError(f"data.limit={limit}: use a positive number of problems, or null for all")
        problems = problems[:limit]
    return problems


def check_verilog_eval_task(path: Path, task: str, folders: dict[str, str]) -> None:
    """data.task names a VerilogEval task and `path` is that task's folder (the two hold different files)."""
    if folders and task not in folders:
        raise UserError(f"data.task={task}: choose one of {sorted(folders)}")
    if is_code_complete_folder(path) != (task == "code_complete"):
        holds = "code_complete" if is_code_complete_folder(path) else "spec_to_rtl"
        raise UserError(f"data.task={task} but {path} holds VerilogEval's {holds} task: drop data.path to use "
                        f"the task's own folder ({folders.get(task, '?')}), or set data.task={holds}")


@dataclass
class BenchmarkData:
    """A benchmark folder in its own layout (VerilogEval v2 spec-to-rtl or an RTLLM root), read by `sim`.

    path: the folder (`conf/data/*.yaml` point into $CRUX_BENCHMARKS, default ../shared/benchmarks).
    limit: the first N problems only (quick runs); task_ids: exactly these problems.
    task: VerilogEval's task, "spec_to_rtl" or "code_complete" (None: whatever the folder holds); the config
    builds `path` from it through `folders` (task -> folder name under the benchmark), and a folder of the
    other task is refused.
    """

    name: str
    path: str
    limit: int | None = None
    task_ids: list[str] | None = None
    task: str | None = None
    folders: dict[str, str] = field(default_factory=dict)

    def load(self) -> DataSplits:
        path = Path(self.path).expanduser()
        if not path.exists():
            raise UserPathError(f"benchmark folder {path} not found: set CRUX_BENCHMARKS to the folder holding "
                                    f"your benchmark clones, or pass data.path=/path/to/{Path(self.path).name}")
        if self.task is not None:
            check_verilog_eval_task(path, self.task, self.folders)
        problems = select(load_problems(path), list(self.task_ids or []), self.limit)
        return DataSplits(test=problems)


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
