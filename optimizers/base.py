"""The one compiler interface: `compile(program, trainset, valset, budget=None) -> program`.

A compiler makes a DSPy program better at the simulator metric, by changing its prompts and demos
(bootstrap, mipro, gepa) or the weights of its own local model (sft, rft, grpo). Every compiler is built
from typed settings plus a `run_dir`, writes what it produced there (see `optimizers.artifacts`), and
returns a new program that can be saved, loaded and evaluated like any other; the input program is never
modified. An overall wall-clock `Budget` (optimizers.time_budget) arrives as compile()'s `budget` argument.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import dspy

from optimizers.time_budget import Budget


class Compiler(ABC):
    """Base class of every compiler. Subclasses set `name` and implement `compile`."""

    name: str = "compiler"

    def __init__(self, run_dir: Path | str) -> None:
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)

    def time_cap(self) -> float | None:
        """The wall-clock cap this compiler trains under (seconds), or None when it is bounded otherwise (steps,
        epochs, metric calls). run.py compares it with the time an overall budget leaves, to decide whether
        compile() gets a `budget` at all."""
        return None

    def reuse_key(self) -> dict | None:
        """What a finished compile() depends on besides the program, its model and the data: the compiler's
        settings, as JSON-able values. A rerun whose key, program, model and data are all unchanged reuses the
        result in run_dir (`optimizers.reuse`). None, the default, means a finished run is never reused."""
        return None

    @abstractmethod
    def compile(
        self,
        program: dspy.Module,
        trainset: Sequence[dspy.Example],
        valset: Sequence[dspy.Example] | None = None,
        *,
        budget: Budget | None = None,
    ) -> dspy.Module:
        """Return an improved copy of `program`; write prompts/demos or checkpoints into `self.run_dir`.

        budget: an overall wall-clock budget (the main job's `task.time_budget_s`). A compiler capped by wall
            time (`settings.max_time_s`) trains for at most `budget.cap(max_time_s)`, counted from when it asks;
            one bounded by steps, epochs or metric calls ignores it. None: the configured caps alone.
        """


def bound_lm(program: dspy.Module) -> dspy.BaseLM:
    """The LM the program runs on: its predictors' own LM if set, else the globally configured one."""
    lms = {id(p.lm): p.lm for _, p in program.named_predictors() if p.lm is not None}
    if len(lms) > 1:
        raise ValueError("The program's predictors use different LMs; weight-tuning compilers need one "
                         "shared local LM. Bind one with program.set_lm(lm).")
    if lms:
        return next(iter(lms.values()))
    if dspy.settings.lm is None:
        raise ValueError("No LM is bound to the program. Configure one with dspy.configure(lm=...) "
                         "or program.set_lm(lm).")
    return dspy.settings.lm


def local_model_path(lm: dspy.BaseLM) -> Path:
    """The local HF folder behind a LocalLM; weight-tuning compilers train that model."""
    path = getattr(lm, "model_path", None)
    if path is None or not hasattr(lm, "with_model"):
        raise TypeError(f"{type(lm).__name__} is not a local model: SFT, RFT and GRPO need a LocalLM (lm=tiny or "
                        "lm=hf lm.model=PATH on the command line) with `model_path` and `with_model(path)`.")
    return Path(path)
