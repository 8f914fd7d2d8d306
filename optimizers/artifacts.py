"""What a compiler leaves in its run folder, and how a compiled program is loaded back.

Layout of `run_dir`:
- `program.json`: the program's DSPy state (instructions, demos) with LM bindings removed, so it is portable;
- `compiled.json`: a `CompiledManifest` (which compiler, which local model checkpoint, counts, seconds);
- compilers add their own files next to these (`checkpoint/`, `sft_data/*.jsonl`, optimiser logs).

`load_compiled(program, run_dir, lm)` rebuilds the compiled program from a fresh instance of the same
program class: state from `program.json`, and, when the manifest names a checkpoint, `lm.with_model(checkpoint)`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dspy

PROGRAM_FILE = "program.json"
MANIFEST_FILE = "compiled.json"


@dataclass
class CompiledManifest:
    """Describes a compiled program: enough to reload and to report it."""

    compiler: str
    model_path: str | None = None  # checkpoint the program must run on (None = the LM it was given)
    base_model_path: str | None = None
    train_examples: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def portable_state(program: dspy.Module) -> dict:
    """Program state without LM bindings, demos reduced to their signature fields (no Problem objects)."""
    state = program.dump_state(json_mode=True)
    for name, predictor in program.named_predictors():
        keep = set(predictor.signature.fields) | {"augmented"}
        state[name]["lm"] = None
        state[name]["demos"] = [{k: v for k, v in d.items() if k in keep} for d in state[name]["demos"]]
        state[name]["traces"] = []
        state[name]["train"] = []
    return state


def save_compiled(program: dspy.Module, run_dir: Path, compiler: str, model_path: Path | None = None,
                  base_model_path: Path | None = None, train_examples: int = 0, seconds: float = 0.0,
                  **extra) -> CompiledManifest:
    """Write `program.json` and `compiled.json` into run_dir and return the manifest."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / PROGRAM_FILE).write_text(json.dumps(portable_state(program), indent=2, default=str))
    manifest = CompiledManifest(compiler=compiler, model_path=str(model_path) if model_path else None,
                                base_model_path=str(base_model_path) if base_model_path else None,
                                train_examples=train_examples, seconds=round(seconds, 2), extra=extra)
    (run_dir / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=2))
    return manifest


def read_manifest(run_dir: Path) -> CompiledManifest:
    """The manifest a compiler wrote into run_dir."""
    path = Path(run_dir) / MANIFEST_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run_dir must be a folder a compiler wrote into.")
    return CompiledManifest(**json.loads(path.read_text()))


def load_compiled(program: dspy.Module, run_dir: Path, lm: dspy.BaseLM | None = None) -> dspy.Module:
    """A copy of `program` with the compiled state from run_dir, bound to the compiled checkpoint if any.

    lm: the LM to bind (for a checkpoint: a LocalLM whose `with_model(checkpoint)` is used). Without it the
    loaded program uses dspy.settings.lm, which is only right for prompt-only compilers.
    """
    manifest = read_manifest(run_dir)
    loaded = program.deepcopy()
    loaded.load_state(json.loads((Path(run_dir) / PROGRAM_FILE).read_text()))
    if manifest.model_path:
        if lm is None or not hasattr(lm, "with_model"):
            raise ValueError(f"{run_dir} holds a fine-tuned checkpoint ({manifest.model_path}); pass the "
                             "program's LocalLM as lm= so it can be rebound with with_model().")
        loaded.set_lm(lm.with_model(manifest.model_path))
    elif lm is not None:
        loaded.set_lm(lm)
    return loaded
