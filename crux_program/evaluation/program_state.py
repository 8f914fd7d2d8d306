"""`program.state=PATH`: load what any compiler wrote (or what `program.save(path)` wrote) into a fresh program.

Accepted, from a run folder RUN:
- `RUN/compiler` or a stage's folder (`RUN/compiler/sft`, `RUN/compiler/grpo`): `program.json` + `compiled.json`;
- `RUN/compiler/program.json` itself (the same, read through its folder's `compiled.json`);
- a file written by DSPy's `program.save(path)`.

A compiled checkpoint (sft, rft, grpo, sft_grpo) is bound through the run's local LM (`lm.with_model`), so it
needs `lm=tiny` or `lm=hf`; prompt compilers' output (bootstrap, mipro, gepa, none) runs on any LM.
"""
from __future__ import annotations

import json
from pathlib import Path

import dspy

from crux_program.errors import UserError, UserPathError

_WHAT = "a compiler's folder (RUN/compiler, RUN/compiler/sft) or its program.json, or a file from program.save()"


def load_program_state(program: dspy.Module, state: str, lm: dspy.BaseLM | None) -> dspy.Module:
    """`program` with the saved state at `state` loaded (see the module docstring); UserError when it cannot be."""
    from optimizers.artifacts import MANIFEST_FILE, PROGRAM_FILE, load_compiled, read_manifest

    path = Path(state).expanduser()
    if not path.exists():
        raise UserPathError(f"program.state={state}: no such file or folder; give {_WHAT}")
    folder = path if path.is_dir() else path.parent
    if (folder / MANIFEST_FILE).is_file() and (path.is_dir() or path.name == PROGRAM_FILE):
        manifest = read_manifest(folder)
        _same_predictors(program, json.loads((folder / PROGRAM_FILE).read_text(encoding="utf-8")), state)
        if manifest.model_path and not hasattr(lm, "with_model"):
            raise UserError(f"program.state={state} runs on the fine-tuned checkpoint {manifest.model_path} "
                            f"(compiler={manifest.compiler}): evaluate it with the local model it was trained from "
                            "(lm=tiny, or lm=hf lm.model=PATH), not a served one")
        return load_compiled(program, folder, lm=lm)
    if path.is_dir():
        raise UserError(f"program.state={state}: the folder holds no {MANIFEST_FILE}; give {_WHAT}")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"program.state={state}: not a JSON program state ({exc}); give {_WHAT}") from None
    _same_predictors(program, saved, state)
    if "metadata" in saved:  # program.save(path): DSPy's own loader checks the versions it records
        program.load(str(path))
    else:
        program.load_state(saved)
    if lm is not None:
        program.set_lm(lm)
    return program


def _same_predictors(program: dspy.Module, saved: dict, state: str) -> None:
    names = sorted(name for name, _ in program.named_predictors())
    stored = sorted(k for k in saved if k != "metadata")
    if stored != names:
        hint = " (add program=direct)" if stored == ["spec_to_verilog"] else \
            " (add program=crux)" if stored == ["crux_to_verilog", "spec_to_crux"] else ""
        raise UserError(f"program.state={state} holds predictors {stored}, but {type(program).__name__} has "
                        f"{names}: choose the program it was compiled for{hint}")
