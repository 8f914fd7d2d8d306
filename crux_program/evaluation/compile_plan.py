"""Whether the configured compiler can run at all, decided before anything is trained or evaluated.

A command that names a setting no compiler can train on (a test-only benchmark, a served model for a
weight-tuning compiler) evaluates the program as it is and says so in one line, instead of failing after the
evaluation; the report then names the compiler that actually ran ("none"). run.py asks `plan_compile` once per
run with plain values (no Hydra here).
"""
from __future__ import annotations

from dataclasses import dataclass

# Compilers that fine-tune the weights of the program's own model: they need a local model (optimizers.base).
WEIGHT_COMPILERS = frozenset({"sft", "rft", "grpo", "sft_grpo"})
# LM kinds whose weights are on this machine as a Hugging Face folder (crux_program.lm.LocalLM).
LOCAL_LM_KINDS = frozenset({"tiny", "hf"})


@dataclass(frozen=True)
class CompilePlan:
    """What will compile the program: `compiler` is the name reports carry; `reason` says why the configured
    one does not run (None when it does)."""

    compiler: str
    reason: str | None = None

    @property
    def trains(self) -> bool:
        return self.compiler != "none"


def plan_compile(compiler: str, lm_kind: str, data: str, has_train: bool) -> CompilePlan:
    """The compiler that runs for `compiler` on an LM of `lm_kind` with data `data` (`has_train`: its train split
    is not empty)."""
    if compiler == "none":
        return CompilePlan("none")
    if not has_train:
        return CompilePlan("none", f"data={data} has no training split (its problems are test problems), so "
                                   f"compiler={compiler} has nothing to learn from: evaluating the program as it is "
                                   "(compiler=none). Compile on data=synthetic, or evaluate a compiled program with "
                                   "program.state=RUN/compiler.")
    if compiler in WEIGHT_COMPILERS and lm_kind not in LOCAL_LM_KINDS:
        return CompilePlan("none", f"compiler={compiler} fine-tunes a local model's weights and lm={lm_kind} is not "
                                   "one: evaluating the program as it is (compiler=none). Train lm=tiny or lm=hf "
                                   "lm.model=PATH, or tune the prompts of a served model with compiler=bootstrap, "
                                   "compiler=mipro or compiler=gepa.")
    return CompilePlan(compiler)
