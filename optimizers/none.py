"""`compiler=none`: the untrained baseline. Returns an unchanged copy of the program."""
from __future__ import annotations

from typing import Sequence

import dspy

from optimizers.artifacts import save_compiled
from optimizers.base import Compiler
from optimizers.time_budget import Budget


class NoCompiler(Compiler):
    """Identity compiler; still writes the program to run_dir so every run has the same artifacts."""

    name = "none"

    def compile(self, program: dspy.Module, trainset: Sequence[dspy.Example],
                valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> dspy.Module:
        compiled = program.deepcopy()  # `budget` is ignored: nothing here takes time
        save_compiled(compiled, self.run_dir, compiler=self.name, train_examples=len(trainset))
        return compiled
