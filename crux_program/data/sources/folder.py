"""`data=verilog_eval` and `data=rtllm`: a benchmark's folder in its own layout, read in place by `sim.loaders`.

Benchmarks only have a test split: `load()` returns `DataSplits(test=problems)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crux_program.data.sources.splits import DataSplits, select
from crux_program.errors import UserError, UserPathError
from sim.loaders import is_code_complete_folder, load_problems


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
