"""The general problem value: what a judge needs to know about one design task."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One design task.

    task_id: stable id (`Prob001_zero`, `adder_8bit`, `syn/counter/00042`).
    spec: the natural-language specification given to the model.
    reference: golden Verilog source (may define helper modules too).
    top: module name the candidate must define (what the testbench instantiates).
    ref_top: module name of the golden reference as written in `reference`
        (`RefModule` for VerilogEval, `verified_x` for RTLLM); equal to `top` when the
        reference already uses the candidate's name.
    testbench: official testbench source, or None (then differential mode is used).
    tb_top: top-level module of the testbench (`tb` for VerilogEval).
    extra_files: data files the testbench reads by relative path: name -> absolute path.
    source: which benchmark/dataset it came from ("verilog_eval", "rtllm", "synthetic", "jsonl").
    interface_prefix: text the official flow prepends to the answer before compiling, or None. VerilogEval's
        code-complete task sets it to the problem's `_ifc.txt` (the `module TopModule (...);` header): the model
        writes only the body, and sv-generate puts the header in front of it (unless the answer already holds
        a `module TopModule` line).
    """

    task_id: str
    spec: str
    reference: str
    top: str
    ref_top: str | None = None
    testbench: str | None = None
    tb_top: str | None = None
    extra_files: dict[str, Path] = field(default_factory=dict)
    source: str = "custom"
    interface_prefix: str | None = None

    @property
    def reference_top(self) -> str:
        return self.ref_top or self.top

    @property
    def has_testbench(self) -> bool:
        return self.testbench is not None
