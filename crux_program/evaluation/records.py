"""The two JSONL logs of an evaluation: samples (VerilogEval style) and verdicts, appended as produced.

`samples.jsonl` lines are `{"task_id", "completion", "sample_index", "crux", "error", "seconds", "crux_parsed",
"crux_interface"}`: the first two
are what VerilogEval's tools and `python -m sim score --samples` read, the rest are ignored by them.
`verdicts.jsonl` lines are `SimResult.verdict_row()` plus `sample_index` and `feedback`.
Both are read back tolerantly, so a run killed mid-line resumes: a torn last line is dropped and redone.
"""
from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from sim.result import REWARD_COMPONENTS, SimResult

SAMPLES_FILE = "samples.jsonl"
VERDICTS_FILE = "verdicts.jsonl"


@dataclass(frozen=True)
class SampleRecord:
    """One program output for one problem. `completion` is the program's Verilog (empty if it failed)."""

    task_id: str
    sample_index: int
    completion: str
    crux: str | None = None
    error: str | None = None
    seconds: float = 0.0
    # For programs that write a CRUX: whether it parsed, and how far its interface agrees with the reference's
    # real ports (crux_program.interface_check.interface_match, 1.0 = all agree). None for other programs.
    crux_parsed: bool | None = None
    crux_interface: float | None = None

    @property
    def no_answer(self) -> bool:
        """The program raised for a reason other than the model's own answer (the LM call failed: server down,
        timeout, wrong api_base): there is nothing to judge, and a rerun draws it again. An unparseable answer
        (AdapterParseError) is the model's and is judged."""
        return bool(self.error) and not self.error.startswith("AdapterParseError")

    @property
    def key(self) -> str:
        """`task_id#sample_index`, how reports name a sample."""
        return f"{self.task_id}#{self.sample_index}"

    def to_json(self) -> dict:
        """Key order puts the VerilogEval fields first, as their tools print them."""
        d = asdict(self)
        return {"task_id": d.pop("task_id"), "completion": d.pop("completion"), **d}

    @classmethod
    def from_json(cls, d: dict) -> "SampleRecord":
        return cls(task_id=d["task_id"], sample_index=int(d.get("sample_index", 0)),
                   completion=d.get("completion") or "", crux=d.get("crux"), error=d.get("error"),
                   seconds=float(d.get("seconds", 0.0)), crux_parsed=d.get("crux_parsed"),
                   crux_interface=d.get("crux_interface"))


@dataclass(frozen=True)
class VerdictRecord:
    """The simulator's verdict on one sample."""

    task_id: str
    sample_index: int
    passed: bool
    status: str
    mismatches: int = 0
    samples: int = 0
    seconds: float = 0.0
    feedback: str = ""
    # The simulator's partial credit (sim.result.RewardParts), the same scale GRPO is rewarded on: progress
    # below a pass (right module extracted, compiles, share of matching samples) shows up here first. One
    # `reward_<component>` field per sim.result.REWARD_COMPONENTS entry.
    reward_format: float = 0.0
    reward_compile: float = 0.0
    reward_functional: float = 0.0
    simulator: str = ""  # the Icarus release that judged it (`iverilog -V`'s first line)

    @classmethod
    def from_result(cls, result: SimResult, sample_index: int) -> "VerdictRecord":
        row = result.verdict_row()
        rewards = {f"reward_{name}": round(getattr(result.rewards, name), 4) for name in REWARD_COMPONENTS}
        return cls(task_id=row["task_id"], sample_index=sample_index, passed=row["passed"],
                   status=row["status"], mismatches=row["mismatches"], samples=row["samples"],
                   seconds=row["seconds"], feedback=result.feedback, simulator=row["simulator"], **rewards)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "VerdictRecord":
        rewards = {key: float(d.get(key, 0.0)) for key in (f"reward_{name}" for name in REWARD_COMPONENTS)}
        return cls(task_id=d["task_id"], sample_index=int(d.get("sample_index", 0)), passed=bool(d["passed"]),
                   status=str(d["status"]), mismatches=int(d.get("mismatches", 0)),
                   samples=int(d.get("samples", 0)), seconds=float(d.get("seconds", 0.0)),
                   feedback=d.get("feedback", ""), simulator=str(d.get("simulator", "")), **rewards)


def read_jsonl(path: Path) -> Iterator[dict]:
    """Yield the JSON objects of a JSONL file, skipping blank and torn lines (a killed writer's last line)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


class JsonlAppender:
    """Thread-safe line appender that flushes each line, so a crash loses at most the line being written."""

    def __init__(self, path: Path, fresh: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh or not path.exists():
            path.write_text("", encoding="utf-8")
        else:
            _end_with_newline(path)
        self._lock = threading.Lock()
        self._file = path.open("a", encoding="utf-8")

    def append(self, row: dict) -> None:
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> "JsonlAppender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _end_with_newline(path: Path) -> None:
    """A killed writer can leave a torn last line; start the next record on a line of its own."""
    with path.open("rb+") as f:
        f.seek(0, 2)
        if f.tell() == 0:
            return
        f.seek(-1, 2)
        if f.read(1) != b"\n":
            f.write(b"\n")
