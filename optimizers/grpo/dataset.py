"""GRPO prompts for both spaces, rendered by the program's own adapter, interleaved so every batch mixes them.

Each example gives up to two rows:
- CRUX space: the `spec_to_crux` prompt for its spec;
- code space: the code-predictor prompt for its spec and its gold CRUX (teacher forcing, as in SFT).
A one-pass program (CruxOnePass) gives one "answer" row per example instead: the `spec_to_answer` prompt, whose
completion holds both the CRUX and the code, and is rewarded in both spaces.
Rows carry `space`, `task_id` and `spec` columns, which TRL passes to the reward functions; the Problem
itself (reference, testbench) stays in the scorer's task_id -> Problem map. The rows are shuffled per space
with a seed and then interleaved (crux, code, crux, code, ...); the compiler turns TRL's own shuffling off,
so any batch of two or more prompts holds both spaces.
"""
from __future__ import annotations

import logging
import random
from dataclasses import asdict, dataclass
from typing import Sequence

import dspy

from optimizers.grpo.spaces import ProgramPredictors, Row, Space
from optimizers.render import program_adapter
from sim.problem import Problem

log = logging.getLogger(__name__)

Message = dict[str, str]


@dataclass(frozen=True)
class GRPOPrompt:
    """One GRPO prompt row."""

    space: Row
    task_id: str
    spec: str
    prompt: list[Message]


def _problem(example: dspy.Example) -> Problem:
    problem = example.get("problem", None)
    if not isinstance(problem, Problem):
        raise ValueError(f"Example {example.get('task_id', '?')} has no Problem: GRPO scores with the simulator, "
                         "so examples need `problem` (Triplet.to_example() sets it).")
    return problem


def problems_by_task(examples: Sequence[dspy.Example]) -> dict[str, Problem]:
    """task_id -> Problem for the scorer."""
    return {str(ex.task_id): _problem(ex) for ex in examples}


def build_prompts(program: dspy.Module, examples: Sequence[dspy.Example], spaces: Sequence[Space] = ("crux", "code"),
                  adapter: dspy.Adapter | None = None, seed: int = 0) -> list[GRPOPrompt]:
    """The interleaved prompt rows for `spaces` (("code",) = the single-space, code-only ablation)."""
    adapter = program_adapter(adapter)
    predictors = ProgramPredictors.of(program)
    if predictors.answer is not None:  # one completion carries both spaces: one row per example
        rows = []
        for ex in examples:
            _problem(ex)
            messages = adapter.format(predictors.answer.signature, list(predictors.answer.demos), {"spec": ex.spec})
            rows.append(GRPOPrompt("answer", str(ex.task_id), ex.spec, messages))
        random.Random(f"{seed}-answer").shuffle(rows)
        return rows
    if "crux" in spaces and predictors.crux is None:
        # A program without a CRUX (DirectVerilog) has only the code space. With both spaces asked for (the
        # default) GRPO trains that one and says so, rather than failing after an SFT stage has already run.
        if "code" not in spaces:
            raise ValueError(f"GRPO spaces={list(spaces)} but {type(program).__name__} writes no CRUX (no "
                             "`spec_to_crux` predictor): use spaces=[code], or a CRUX program (program=crux).")
        log.warning("%s writes no CRUX: GRPO trains the code space only (spaces=[code])", type(program).__name__)
        spaces = [space for space in spaces if space != "crux"]
    per_space: dict[str, list[GRPOPrompt]] = {}
    for space in spaces:
        rows = []
        for ex in examples:
            _problem(ex)  # fail at build time, not in the middle of training
            if space == "crux":
                predictor, inputs = predictors.crux, {"spec": ex.spec}
            else:
                predictor, inputs = predictors.code, predictors.code_inputs(ex.spec, ex.get("crux", None))
            messages = adapter.format(predictor.signature, list(predictor.demos), inputs)
            rows.append(GRPOPrompt(space, str(ex.task_id), ex.spec, messages))
        random.Random(f"{seed}-{space}").shuffle(rows)
        per_space[space] = rows
    return _interleave(list(per_space.values()))


def _interleave(lists: list[list[GRPOPrompt]]) -> list[GRPOPrompt]:
    out = []
    for i in range(max((len(rows) for rows in lists), default=0)):
        out += [rows[i] for rows in lists if i < len(rows)]
    return out


def fill_batch(rows: Sequence[GRPOPrompt], prompts_per_batch: int) -> list[GRPOPrompt]:
    """The rows, repeated in order until they fill one generation batch: TRL's sampler drops an incomplete
    batch, so a selection that kept fewer prompts than a batch holds would otherwise train for 0 steps."""
    rows = list(rows)
    if rows and len(rows) < prompts_per_batch:
        rows = (rows * -(-prompts_per_batch // len(rows)))[:prompts_per_batch]
    return rows


def to_dataset(rows: Sequence[GRPOPrompt]):
    """A `datasets.Dataset` with columns prompt (chat messages), space, task_id, spec."""
    from datasets import Dataset

    if not rows:
        raise ValueError("No GRPO prompts: the trainset is empty.")
    return Dataset.from_list([asdict(r) for r in rows])
