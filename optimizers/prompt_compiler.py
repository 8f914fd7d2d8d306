"""What the three prompt compilers share: run an optimiser under the program's LM, save prompts and demos."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import dspy

from optimizers.artifacts import save_compiled
from optimizers.base import Compiler, bound_lm
from optimizers.metric import resolve_metric
from optimizers.time_budget import Budget


def write_prompts(program: dspy.Module, path: Path) -> None:
    """A readable record of each predictor's instruction and demos (the state itself is in program.json)."""
    lines = []
    for name, predictor in program.named_predictors():
        lines += [f"## {name}", "", "### Instructions", "", predictor.signature.instructions, "",
                  f"### Demos ({len(predictor.demos)})", ""]
        for demo in predictor.demos:
            shown = {k: v for k, v in dict(demo).items() if k in predictor.signature.fields}
            lines += ["```json", json.dumps(shown, indent=1, default=str)[:4000], "```", ""]
    path.write_text("\n".join(lines))


class PromptCompiler(Compiler):
    """Base of bootstrap / mipro / gepa: `_optimize` runs the DSPy optimiser; this class does the rest."""

    def __init__(self, run_dir: Path | str, metric: Callable[..., Any] | None = None, sim: Any = None) -> None:
        super().__init__(run_dir)
        self.metric = resolve_metric(metric, sim, self.name)

    def _optimize(self, program: dspy.Module, trainset: list[dspy.Example],
                  valset: list[dspy.Example] | None) -> dspy.Module:
        raise NotImplementedError

    def compile(self, program: dspy.Module, trainset: Sequence[dspy.Example],
                valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> dspy.Module:
        if not trainset:
            raise ValueError(f"compiler={self.name} got an empty trainset; check the data split.")
        start = time.perf_counter()  # `budget` is ignored: these optimisers are bounded by their metric calls
        # The optimiser's own calls (proposals, bootstrapping) go to the LM the program runs on.
        with dspy.context(lm=bound_lm(program)):
            compiled = self._optimize(program.deepcopy(), list(trainset), list(valset) if valset else None)
        write_prompts(compiled, self.run_dir / "prompts.md")
        demos = {name: len(p.demos) for name, p in compiled.named_predictors()}
        save_compiled(compiled, self.run_dir, compiler=self.name, train_examples=len(trainset),
                      seconds=time.perf_counter() - start, demos=demos)
        return compiled
