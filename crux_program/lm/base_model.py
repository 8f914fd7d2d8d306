"""The embedded base model: a tiny coder shipped in the repository, and the guard that it never saw a test design.

The main job starts the CRUX program from `crux_program/lm/base_model/` (conf/lm/base.yaml), the analogue of
a pretrained code model before CRUX SFT: a 2-layer Qwen2-shaped model with its own byte-level BPE, trained here
from scratch with `compiler=sft` on the *direct* program (spec -> Verilog, no CRUX) over the curriculum's train
split. It has never seen a CRUX-format answer. One command rebuilds it (docs/LM.md, The base model):

    python run.py experiment=base_model

which trains, evaluates the direct program, and then `export_base_model` copies the checkpoint here with
`training_data.json`: the curriculum settings and a digest of every training reference. Every run on a model
folder that carries such a manifest checks its test problems against it (`check_disjoint`): a test problem whose
reference the model was trained on stops the run with the names of the overlapping problems.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from crux_program.errors import UserError
from sim.fingerprint import digest_text

MANIFEST = "training_data.json"
# What a shipped model folder keeps: the weights, the tokenizer and the configs (not optimiser state).
_KEEP = ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
         "special_tokens_map.json", "chat_template.jinja")


def reference_digest(code: str) -> str:
    """A digest of a reference that ignores comments, whitespace and the module's name (the curriculum renames
    modules and ports in its training copies, so names are left out: equal structure is equal design)."""
    text = re.sub(r"//[^\n]*|/\*.*?\*/", " ", code, flags=re.S)
    text = re.sub(r"\bmodule\s+\w+", "module", text)
    return digest_text(re.sub(r"\s+", "", text), length=24)


@dataclass(frozen=True)
class TrainingData:
    """What a model was trained on: a description, the data settings, and digests of its training references."""

    description: str
    data: dict
    examples: int
    reference_digests: list[str] = field(default_factory=list)

    def save(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "TrainingData | None":
        path = folder / MANIFEST
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def export_base_model(checkpoint: Path, target: Path, training: TrainingData) -> Path:
    """Copy the weights, tokenizer and configs of `checkpoint` into `target` (replacing it) with the manifest."""
    if not (checkpoint / "model.safetensors").is_file():
        raise UserError(f"task.export_model: {checkpoint} holds no model.safetensors; did the compiler train "
                        "a local model (compiler=sft with lm=tiny)?")
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in _KEEP:
        if (checkpoint / name).is_file():
            shutil.copy2(checkpoint / name, staging / name)
    training.save(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)  # a reader never sees half a model
    return target


def training_data_of(examples: Sequence, description: str, data: dict) -> TrainingData:
    """The manifest for a model trained on `examples` (dspy.Examples carrying their `problem`)."""
    digests = sorted({reference_digest(ex.problem.reference) for ex in examples
                      if getattr(ex.get("problem", None), "reference", "")})
    return TrainingData(description=description, data=data, examples=len(examples), reference_digests=digests)


def check_disjoint(model_folder: Path | str | None, problems: Iterable) -> None:
    """Stop when a test problem's reference is one the model in `model_folder` was trained on (its manifest)."""
    if model_folder is None:
        return
    training = TrainingData.load(Path(model_folder))
    if training is None:
        return
    seen = set(training.reference_digests)
    overlap = [p.task_id for p in problems if p.reference and reference_digest(p.reference) in seen]
    if overlap:
        raise UserError(f"{len(overlap)} test problem(s) have a reference that the model in {model_folder} was "
                        f"trained on ({', '.join(overlap[:5])}{' ...' if len(overlap) > 5 else ''}); its "
                        f"{MANIFEST} says: {training.description}. Use the curriculum it was built with "
                        f"({training.data}) or another test split.")
