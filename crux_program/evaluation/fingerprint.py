"""What produced a run folder's samples: a resumed evaluation must not mix answers from another model.

`python run.py hydra.run.dir=DIR` run twice trains again and rewrites the checkpoint at the same path; a
changed `lm`, `program` or temperature writes different answers too. The runner records `run_fingerprint`
next to the samples, and a rerun whose fingerprint differs sets the old files aside instead of resuming.
Its values are plain JSON records compared by equality; `sim.fingerprint` holds the primitives and the table of
every key in the project.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dspy

from sim.fingerprint import folder_stamp, plain_json

FINGERPRINT_FILE = "eval_fingerprint.json"
_LM_SETTINGS = ("temperature", "top_p", "max_tokens", "api_base")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt")


def weights_stamp(folder: Path | str) -> list[list]:
    """Name, size and modification time of a model folder's weight files: changes when they are rewritten."""
    return folder_stamp(folder, WEIGHT_SUFFIXES)


def lm_identity(lm: dspy.BaseLM | None) -> dict[str, Any] | None:
    """The model behind `lm` (its folder's weights, for a local one) and the settings that shape its answers."""
    if lm is None:
        return None
    kwargs = getattr(lm, "kwargs", {}) or {}
    ident: dict[str, Any] = {"model": str(getattr(lm, "model", type(lm).__name__))}
    ident.update({k: kwargs[k] if k in kwargs else getattr(lm, k, None) for k in _LM_SETTINGS})
    path = getattr(lm, "model_path", None)
    if path is not None:
        ident["weights"] = weights_stamp(path)
    return plain_json(ident)  # comparable with a reloaded file


def run_fingerprint(program: dspy.Module, lm: dspy.BaseLM | None, n_samples: int,
                    sampling: dict[str, Any]) -> dict[str, Any]:
    """Program, each predictor's model and settings, and the run's sampling: what the samples depend on."""
    fallback = lm or dspy.settings.lm
    lms = {name: lm_identity(pred.lm or fallback) for name, pred in program.named_predictors()}
    if not lms:  # a fixed-prompt program (crux_program.fixed_prompts) calls the run's LM itself
        lms = {"program": lm_identity(fallback)}
    fingerprint = {"program": type(program).__name__, "n_samples": n_samples, "sampling": sampling, "lms": lms}
    if hasattr(program, "settings"):  # a fixed-prompt program's prompt options (task, shots, system text)
        fingerprint["settings"] = plain_json(program.settings())
    return fingerprint


def set_aside_if_changed(run_dir: Path, fingerprint: dict[str, Any], files: list[Path]) -> Path | None:
    """Write `fingerprint` into run_dir; if an earlier one differs, first move `files` into a `stale-N` folder
    (nothing is deleted) and return it. A folder with samples but no fingerprint (an older run) resumes."""
    path = run_dir / FINGERPRINT_FILE
    moved = None
    if path.exists():
        try:
            before = json.loads(path.read_text())
        except (OSError, ValueError):
            before = None
        if before != fingerprint and any(f.exists() for f in files):
            n = 1
            while (run_dir / f"stale-{n}").exists():
                n += 1
            moved = run_dir / f"stale-{n}"
            moved.mkdir(parents=True)
            for f in files:
                if f.exists():
                    f.rename(moved / f.name)
            (moved / FINGERPRINT_FILE).write_text(json.dumps(before, indent=1))
    run_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fingerprint, indent=1))
    return moved
